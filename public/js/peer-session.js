// PeerSession: one RTCPeerConnection with one other page, negotiated with
// the "perfect negotiation" pattern (W3C WebRTC 1.0, section 10.7): either
// side may renegotiate at any time (screen share, ICE restart), and when both
// offer at once the polite side yields, so glare never wedges the call.
// Which page is polite is the caller's decision (call.js), passed as a function
// because it can change when pages rejoin the room.
//
// It also carries the call's data channel: chat and "what I am sending" flags
// go peer to peer, never through the server.

import { callSessions } from './call-continuity.js';

// A transceiver that only receives (camera blocked when the call began) must
// be told to send as well before a new track can go out.
const SENDING_DIRECTION = Object.freeze({ recvonly: 'sendrecv', inactive: 'sendonly' });

/**
 * Events (CustomEvent, payload in `detail`):
 * - connectionstatechange {state}  RTCPeerConnection.connectionState
 * - remotestream {stream}          the other side's tracks, in a new MediaStream
 * - channelopen, channelclose      the data channel; a close means the other
 *                                  page's connection is gone (hang-up, reload)
 * - channelmessage {text}
 * - sdp {offer, answer}            the latest SDP texts, for the debug panel
 * - negotiationerror {error}       a step failed; the call may still recover
 */
export class PeerSession extends EventTarget {
  #pc;
  #send;
  #isPolite;
  #channel;
  #localStream;
  #closed = false;
  // Perfect negotiation's bookkeeping, as in the specification's example.
  #makingOffer = false;
  #ignoreOffer = false;
  #settingRemoteAnswer = false;

  /**
   * @param {object} options
   * @param {RTCIceServer[]} options.iceServers  from `joined`
   * @param {(data: object) => boolean} options.send  relays through signaling
   * @param {() => boolean} options.isPolite
   * @param {{audio: MediaStreamTrack|null, video: MediaStreamTrack|null}} options.tracks
   * @param {boolean} options.offerer  true for the side that opens the call
   */
  constructor({ iceServers, send, isPolite, tracks, offerer, RTCPeerConnectionImpl = globalThis.RTCPeerConnection }) {
    super();
    this.#send = send;
    this.#isPolite = isPolite;
    this.#pc = new RTCPeerConnectionImpl({ iceServers });
    this.#localStream = new MediaStream();
    const pc = this.#pc;

    // addTrack (not addTransceiver) on both sides: on the answering side the
    // offer's m-sections then take these senders over (JSEP 5.10), so each
    // page sends on the m-sections the other one offered.
    for (const track of [tracks.audio, tracks.video]) {
      if (track) {
        this.#localStream.addTrack(track);
        pc.addTrack(track, this.#localStream);
      }
    }
    if (offerer) {
      // Ask for the other side's audio and video even when we send none
      // (camera blocked, receive only), so their media still comes to us.
      for (const kind of ['audio', 'video']) {
        if (!this.#transceiverFor(kind)) {
          pc.addTransceiver(kind, { direction: 'recvonly' });
        }
      }
    }
    // Negotiated with a fixed id, so both sides open it without waiting for
    // `datachannel` events, whoever offered.
    this.#channel = pc.createDataChannel('duet', { negotiated: true, id: 0 });
    this.#watchChannel(this.#channel);

    pc.addEventListener('negotiationneeded', () => this.#onNegotiationNeeded());
    pc.addEventListener('icecandidate', ({ candidate }) => {
      // null ends the gathering; end-of-candidates needs no message of its own.
      if (candidate !== null && !this.#closed) {
        this.#send({ type: 'candidate', candidate: candidate.toJSON() });
      }
    });
    pc.addEventListener('track', () => this.#emitRemoteStream());
    pc.addEventListener('connectionstatechange', () => {
      if (!this.#closed) {
        this.#emit('connectionstatechange', { state: pc.connectionState });
      }
    });
  }

  /** The RTCPeerConnection, for getStats() and tests; do not negotiate on it directly. */
  get peerConnection() {
    return this.#pc;
  }

  get connectionState() {
    return this.#pc.connectionState;
  }

  get signalingState() {
    return this.#pc.signalingState;
  }

  get channelOpen() {
    return this.#channel.readyState === 'open';
  }

  /** The SDP session ids of this call: {mine, yours} (call-continuity.js). */
  get sessions() {
    return callSessions(this.#pc.localDescription?.sdp, this.#pc.remoteDescription?.sdp);
  }

  /** Applies the other side's offer or answer, answering offers. */
  async handleDescription(description) {
    const pc = this.#pc;
    const readyForOffer = !this.#makingOffer && (pc.signalingState === 'stable' || this.#settingRemoteAnswer);
    const collision = description.type === 'offer' && !readyForOffer;
    this.#ignoreOffer = !this.#isPolite() && collision;
    if (this.#ignoreOffer) {
      console.info('call: ignoring a colliding offer (the other side will yield)');
      return;
    }
    if (description.type === 'answer' && pc.signalingState !== 'have-local-offer') {
      // An answer to an offer we have since rolled back: nothing to apply it to.
      console.info('call: ignoring an answer in state', pc.signalingState);
      return;
    }
    // A polite side with its own offer out rolls it back implicitly here.
    this.#settingRemoteAnswer = description.type === 'answer';
    try {
      await pc.setRemoteDescription(description);
    } finally {
      this.#settingRemoteAnswer = false;
    }
    if (description.type === 'offer' && !this.#closed) {
      await pc.setLocalDescription();
      this.#sendLocalDescription();
    }
    this.#emitSdp();
  }

  async handleCandidate(candidate) {
    try {
      await this.#pc.addIceCandidate(candidate);
    } catch (error) {
      // Candidates of an offer we ignored fail by design; any other bad one
      // is not worth the call, as ICE usually finds a path with the rest.
      if (!this.#ignoreOffer) {
        console.warn('call: could not add a remote ICE candidate', error);
      }
    }
  }

  /**
   * Sends `track` (or nothing, for null) as our `kind` media. Replacing a track
   * needs no negotiation; starting to send where we only received does, and
   * perfect negotiation runs it.
   */
  async setTrack(kind, track) {
    if (this.#closed) {
      return;
    }
    const transceiver = this.#transceiverFor(kind);
    if (!transceiver) {
      if (track) {
        this.#localStream.addTrack(track);
        this.#pc.addTrack(track, this.#localStream);
      }
      return;
    }
    await transceiver.sender.replaceTrack(track);
    const sending = SENDING_DIRECTION[transceiver.direction];
    if (track && sending !== undefined) {
      transceiver.sender.setStreams?.(this.#localStream);
      transceiver.direction = sending;
    }
  }

  /**
   * Uses these STUN/TURN servers from the next ICE restart on: a call that
   * outlived a reconnect should not restart with TURN credentials that expired.
   */
  updateIceServers(iceServers) {
    if (this.#closed) {
      return;
    }
    try {
      this.#pc.setConfiguration({ ...this.#pc.getConfiguration(), iceServers });
    } catch (error) {
      // A server list the browser refuses leaves the old one in place, which
      // is still better than stopping the rejoin halfway.
      console.warn('call: could not update the ICE servers', error);
    }
  }

  /** New ICE credentials and candidates, for a path that broke. */
  restartIce() {
    if (!this.#closed) {
      this.#pc.restartIce();
    }
  }

  /**
   * Sends our pending offer again. An offer that went out while signaling was
   * down never arrived, and the connection would wait for its answer forever.
   */
  resendPendingOffer() {
    if (!this.#closed && this.#pc.signalingState === 'have-local-offer') {
      this.#sendLocalDescription();
    }
  }

  /** Sends text over the data channel; false when it is not open. */
  sendOnChannel(text) {
    if (this.#channel.readyState !== 'open') {
      return false;
    }
    this.#channel.send(text);
    return true;
  }

  close() {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#channel.close();
    this.#pc.close();
  }

  async #onNegotiationNeeded() {
    if (this.#closed) {
      return;
    }
    try {
      this.#makingOffer = true;
      await this.#pc.setLocalDescription();
      this.#sendLocalDescription();
      this.#emitSdp();
    } catch (error) {
      this.#emit('negotiationerror', { error });
    } finally {
      this.#makingOffer = false;
    }
  }

  #sendLocalDescription() {
    if (this.#closed) {
      return;
    }
    const { type, sdp } = this.#pc.localDescription;
    this.#send({ type, sdp });
  }

  // The first usable transceiver of that kind: the one its m-section uses.
  #transceiverFor(kind) {
    return this.#pc.getTransceivers().find((t) => !t.stopped && t.currentDirection !== 'stopped'
      && t.receiver.track.kind === kind);
  }

  #emitRemoteStream() {
    if (this.#closed) {
      return;
    }
    const tracks = this.#pc.getTransceivers()
      .filter((t) => !t.stopped && t.mid !== null)
      .map((t) => t.receiver.track);
    this.#emit('remotestream', { stream: new MediaStream(tracks) });
  }

  #watchChannel(channel) {
    channel.addEventListener('open', () => this.#emit('channelopen', {}));
    channel.addEventListener('close', () => {
      if (!this.#closed) {
        this.#emit('channelclose', {});
      }
    });
    channel.addEventListener('message', ({ data }) => this.#emit('channelmessage', { text: data }));
  }

  #emitSdp() {
    const descriptions = [this.#pc.localDescription, this.#pc.remoteDescription];
    const offer = descriptions.find((d) => d?.type === 'offer')?.sdp ?? '';
    const answer = descriptions.find((d) => d?.type === 'answer')?.sdp ?? '';
    this.#emit('sdp', { offer, answer });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
