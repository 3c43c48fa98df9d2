// Small readings of SDP text. No DOM use.

/**
 * The session id of an SDP's origin line (RFC 8866, `o=<username> <sess-id>
 * <sess-version> ...`), or null. A browser picks it at random for each
 * RTCPeerConnection and keeps it through every renegotiation, so two
 * descriptions with different ids come from different connections.
 */
export function sdpSessionId(sdp) {
  if (typeof sdp !== 'string') {
    return null;
  }
  const match = /^o=\S+ (\S+) \S+ /m.exec(sdp);
  return match === null ? null : match[1];
}
