// What a person wants to know about a call, read from RTCPeerConnection's
// getStats(): round-trip time, bitrates, resolution, frame rate, packet loss,
// and whether the media goes straight between the browsers or through a
// TURN relay. No DOM use: it takes the report's values as plain objects, so
// node's tests feed it recorded reports.

/**
 * @param {object[]} reports  the RTCStats objects: `[...(await pc.getStats()).values()]`
 * @param {object|null} previous  the summary of the previous sample, for rates
 * @returns {object} a summary; anything the report does not tell is null
 */
export function summarizeStats(reports, previous = null) {
  const byId = new Map(reports.map((report) => [report.id, report]));
  const ofType = (type, kind) => reports.filter((r) => r.type === type && (kind === undefined || r.kind === kind));
  const sum = (list, key) => list.reduce((total, r) => total + (Number.isFinite(r[key]) ? r[key] : 0), 0);
  const at = reports.reduce((latest, r) => Math.max(latest, Number.isFinite(r.timestamp) ? r.timestamp : 0), 0);

  const pair = selectedPair(reports, byId);
  const localCandidate = candidate(byId.get(pair?.localCandidateId));
  const remoteCandidate = candidate(byId.get(pair?.remoteCandidateId));

  const inbound = ofType('inbound-rtp');
  const outbound = ofType('outbound-rtp');
  const videoIn = largest(ofType('inbound-rtp', 'video'));
  const videoOut = largest(ofType('outbound-rtp', 'video'));
  const audioIn = ofType('inbound-rtp', 'audio')[0] ?? null;

  const bytesSent = sum(outbound, 'bytesSent');
  const bytesReceived = sum(inbound, 'bytesReceived');
  const packetsLost = Math.max(0, sum(inbound, 'packetsLost')); // RFC 3550 allows negative (duplicates)
  const packetsReceived = sum(inbound, 'packetsReceived');

  const seconds = previous !== null && at > previous.at ? (at - previous.at) / 1000 : null;
  const rate = (now, before) => (seconds === null || now < before ? null : ((now - before) * 8) / 1000 / seconds);

  return {
    at,
    rttMs: Number.isFinite(pair?.currentRoundTripTime) ? pair.currentRoundTripTime * 1000 : null,
    path: pathOf(localCandidate, remoteCandidate),
    localCandidate,
    remoteCandidate,
    sent: { bytes: bytesSent, kbps: previous ? rate(bytesSent, previous.sent.bytes) : null },
    received: { bytes: bytesReceived, kbps: previous ? rate(bytesReceived, previous.received.bytes) : null },
    videoIn: videoIn === null ? null : {
      width: videoIn.frameWidth ?? null,
      height: videoIn.frameHeight ?? null,
      fps: videoIn.framesPerSecond ?? null,
      framesDecoded: videoIn.framesDecoded ?? 0,
    },
    videoOut: videoOut === null ? null : {
      width: videoOut.frameWidth ?? null,
      height: videoOut.frameHeight ?? null,
      fps: videoOut.framesPerSecond ?? null,
    },
    audioIn: audioIn === null ? null : {
      level: audioIn.audioLevel ?? null,
      energy: audioIn.totalAudioEnergy ?? null,
      samples: audioIn.totalSamplesReceived ?? null,
    },
    packets: {
      lost: packetsLost,
      received: packetsReceived,
      lossPct: lossPercent(packetsLost, packetsReceived, previous?.packets),
    },
  };
}

// Chrome and the spec name the pair in the transport report; Firefox marks it
// `selected`. Fall back to a nominated pair that works.
function selectedPair(reports, byId) {
  const transport = reports.find((r) => r.type === 'transport' && r.selectedCandidatePairId);
  if (transport !== undefined && byId.has(transport.selectedCandidatePairId)) {
    return byId.get(transport.selectedCandidatePairId);
  }
  const pairs = reports.filter((r) => r.type === 'candidate-pair');
  return pairs.find((p) => p.selected) ?? pairs.find((p) => p.nominated && p.state === 'succeeded') ?? null;
}

function candidate(report) {
  if (report === undefined) {
    return null;
  }
  return {
    type: report.candidateType ?? null,
    address: report.address ?? report.ip ?? null,
    port: report.port ?? null,
    protocol: report.protocol ?? null,
  };
}

/** 'relayed' when either end of the pair is a TURN relay, else 'direct'; null before ICE chose. */
function pathOf(local, remote) {
  if (local === null || remote === null) {
    return null;
  }
  return local.type === 'relay' || remote.type === 'relay' ? 'relayed' : 'direct';
}

// With simulcast a sender has several outbound streams; the largest is the
// one a person would call "the" resolution.
function largest(list) {
  return list.reduce((best, r) => ((r.frameWidth ?? 0) > (best?.frameWidth ?? -1) ? r : best), null);
}

// Over the last interval when there is one: a loss long ago is not news.
function lossPercent(lost, received, before) {
  const dLost = before ? lost - before.lost : lost;
  const dReceived = before ? received - before.received : received;
  if (dLost < 0 || dReceived < 0 || dLost + dReceived === 0) {
    return null; // nothing arrived, so nothing can have been lost
  }
  return (dLost / (dLost + dReceived)) * 100;
}
