// Call: the RTCPeerConnection side of a one-to-one call, driven by signaling.
//
// Flow (PROTOCOL.md rule 3, as in the original design): the member already in
// the room creates the offer when it receives `otherjoin`; the newcomer waits
// for that offer and answers. ICE candidates trickle both ways. On `bye` the
// peer connection is closed and a fresh one waits for the next person.
//
// Relayed `data` shapes (the only ones this client sends or understands):
//   {type: 'offer' | 'answer', sdp}
//   {type: 'candidate', candidate: {candidate, sdpMid, sdpMLineIndex, usernameFragment}}
//
// Events (CustomEvent, payload in `detail`):
//   peerjoined  {id}          another person arrived and we are calling them
//   peerleft    {id}          they left; a fresh connection waits for the next one
//   connectionstatechange {state}  the RTCPeerConnection's connectionState
//   remotestream {stream}     the other person's media (null once they left)
//   sdpchange   {offer, answer}    the SDP texts for the page's panels
//   failure     {error}       negotiation failed (the call may still recover)

export class Call extends EventTarget {
  #signaling;
  #room;
  #localStream;
  #config;
  #pc = null;
  #remoteId = null;
  #pendingCandidates = [];
  #offerSdp = '';
  #answerSdp = '';
  #remoteStream = null;
  #listeners = new AbortController();
  // Signaling events are handled one at a time, in arrival order: handlers
  // await the peer connection, and a candidate must not overtake the offer it
  // belongs to, nor a stale message run against the next person's connection.
  #work = Promise.resolve();

  /**
   * @param {object} options
   * @param {import('./signaling.js').SignalingClient} options.signaling  joined to `room`
   * @param {string} options.room
   * @param {MediaStream} options.localStream  may have no tracks (receive only)
   * @param {RTCIceServer[]} options.iceServers  from the `joined` message
   */
  constructor({ signaling, room, localStream, iceServers }) {
    super();
    this.#signaling = signaling;
    this.#room = room;
    this.#localStream = localStream;
    this.#config = { iceServers: Array.isArray(iceServers) ? iceServers : [] };

    const on = (type, handler) => signaling.addEventListener(type, (event) => {
      if (event.detail.room === this.#room) {
        this.#enqueue(() => handler(event.detail));
      }
    }, { signal: this.#listeners.signal });
    on('otherjoin', (msg) => this.#onOtherJoin(msg));
    on('message', (msg) => this.#onMessage(msg));
    on('bye', (msg) => this.#onBye(msg));

    this.#pc = this.#createPeerConnection();
  }

  /** The current RTCPeerConnection (replaced after each `bye`); null after hangup(). */
  get peerConnection() {
    return this.#pc;
  }

  /** The other person's peer id, once known. */
  get remoteId() {
    return this.#remoteId;
  }

  get offerSdp() {
    return this.#offerSdp;
  }

  get answerSdp() {
    return this.#answerSdp;
  }

  get remoteStream() {
    return this.#remoteStream;
  }

  /** Ends the call for good: closes the peer connection and stops listening. */
  hangup() {
    this.#listeners.abort();
    this.#closePeerConnection();
    this.#pc = null;
  }

  #enqueue(task) {
    // After hangup() nothing queued may run: there is no connection left.
    this.#work = this.#work.then(() => (this.#pc === null ? undefined : task())).catch((error) => {
      console.error('call:', error);
      this.#emit('failure', { error });
    });
  }

  #createPeerConnection() {
    const pc = new RTCPeerConnection(this.#config);
    // Tracks go in before any offer is applied, so an incoming offer's
    // m-sections reuse these transceivers (JSEP 5.10) and we send as well as receive.
    for (const track of this.#localStream.getTracks()) {
      pc.addTrack(track, this.#localStream);
    }
    // Handlers check `pc === this.#pc`: a closed, replaced connection may
    // still have events queued, and they must not touch the new one's state.
    pc.addEventListener('icecandidate', (event) => {
      if (pc !== this.#pc || event.candidate === null) {
        return; // null marks the end of gathering; nothing to relay
      }
      this.#relay({ type: 'candidate', candidate: event.candidate.toJSON() });
    });
    pc.addEventListener('track', (event) => {
      if (pc !== this.#pc) {
        return;
      }
      const stream = event.streams[0] ?? this.#remoteStream ?? new MediaStream();
      if (event.streams.length === 0) {
        stream.addTrack(event.track); // a sender that named no stream
      }
      if (stream !== this.#remoteStream) {
        this.#remoteStream = stream;
        this.#emit('remotestream', { stream });
      }
    });
    pc.addEventListener('connectionstatechange', () => {
      if (pc === this.#pc) {
        this.#emit('connectionstatechange', { state: pc.connectionState });
      }
    });
    return pc;
  }

  #closePeerConnection() {
    if (this.#pc !== null) {
      this.#pc.close();
    }
    this.#remoteId = null;
    this.#pendingCandidates = [];
    this.#setSdp('', '');
    if (this.#remoteStream !== null) {
      this.#remoteStream = null;
      this.#emit('remotestream', { stream: null });
    }
  }

  // A connection that has negotiated with someone cannot be handed to the
  // next person; start over with a fresh one.
  #resetPeerConnection() {
    this.#closePeerConnection();
    this.#pc = this.#createPeerConnection();
  }

  #isPristine() {
    return this.#pc.localDescription === null && this.#pc.remoteDescription === null;
  }

  async #onOtherJoin({ id }) {
    if (this.#remoteId !== null && this.#remoteId !== id) {
      // Only in a room configured for more than two: we are one-to-one and
      // already talking to someone, so the newcomer is not ours to call.
      console.warn('call: ignoring a third member', id);
      return;
    }
    if (!this.#isPristine()) {
      this.#resetPeerConnection();
    }
    this.#remoteId = id;
    this.#emit('peerjoined', { id });

    const pc = this.#pc;
    // Ask to receive audio and video even when we have nothing to send
    // (camera denied, receive-only), so the other person's media still comes.
    for (const kind of ['audio', 'video']) {
      const sending = pc.getTransceivers().some((t) => t.sender.track?.kind === kind);
      if (!sending) {
        pc.addTransceiver(kind, { direction: 'recvonly' });
      }
    }
    const offer = await pc.createOffer();
    if (pc !== this.#pc) {
      return;
    }
    await pc.setLocalDescription(offer);
    if (pc !== this.#pc) {
      return;
    }
    // Relayed in the same turn as setLocalDescription resolved, before any
    // icecandidate event can run, so the offer reaches the other side first.
    this.#relay({ type: 'offer', sdp: pc.localDescription.sdp });
    this.#setSdp(pc.localDescription.sdp, this.#answerSdp);
  }

  async #onMessage({ from, data }) {
    if (data === null || typeof data !== 'object' || typeof data.type !== 'string') {
      console.warn('call: ignoring relayed data without a type');
      return;
    }
    if (this.#remoteId !== null && from !== this.#remoteId) {
      console.warn('call: ignoring data from a member we are not talking to', from);
      return;
    }
    switch (data.type) {
      case 'offer': return this.#onOffer(from, data);
      case 'answer': return this.#onAnswer(data);
      case 'candidate': return this.#onCandidate(data);
      default:
        console.warn('call: ignoring relayed data of type', data.type);
        return undefined;
    }
  }

  async #onOffer(from, { sdp }) {
    if (this.#remoteId === null && !this.#isPristine()) {
      this.#resetPeerConnection();
    }
    this.#remoteId = from;
    const pc = this.#pc;
    this.#setSdp(sdp, '');
    await pc.setRemoteDescription({ type: 'offer', sdp });
    if (pc !== this.#pc) {
      return;
    }
    await this.#flushPendingCandidates(pc);
    const answer = await pc.createAnswer();
    if (pc !== this.#pc) {
      return;
    }
    await pc.setLocalDescription(answer);
    if (pc !== this.#pc) {
      return;
    }
    this.#relay({ type: 'answer', sdp: pc.localDescription.sdp });
    this.#setSdp(this.#offerSdp, pc.localDescription.sdp);
  }

  async #onAnswer({ sdp }) {
    const pc = this.#pc;
    if (pc.signalingState !== 'have-local-offer') {
      console.warn('call: ignoring an answer in state', pc.signalingState);
      return;
    }
    this.#setSdp(this.#offerSdp, sdp);
    await pc.setRemoteDescription({ type: 'answer', sdp });
    if (pc === this.#pc) {
      await this.#flushPendingCandidates(pc);
    }
  }

  async #onCandidate({ candidate }) {
    if (candidate === null || typeof candidate !== 'object') {
      console.warn('call: ignoring a candidate message without a candidate');
      return;
    }
    const pc = this.#pc;
    // A candidate can only be applied once the description it belongs to is
    // known; until then keep it, in order.
    if (pc.remoteDescription === null) {
      this.#pendingCandidates.push(candidate);
      return;
    }
    await this.#addCandidate(pc, candidate);
  }

  async #flushPendingCandidates(pc) {
    const pending = this.#pendingCandidates;
    this.#pendingCandidates = [];
    for (const candidate of pending) {
      await this.#addCandidate(pc, candidate);
    }
  }

  // One bad candidate is not worth failing the call over: ICE usually finds
  // a path with the others.
  async #addCandidate(pc, candidate) {
    try {
      await pc.addIceCandidate(candidate);
    } catch (error) {
      console.warn('call: could not add a remote ICE candidate', error);
    }
  }

  #onBye({ id }) {
    if (this.#remoteId !== null && id !== this.#remoteId) {
      return; // someone we were not talking to (a room of more than two)
    }
    this.#resetPeerConnection();
    this.#emit('peerleft', { id });
  }

  #relay(data) {
    // Addressed to the other person when known, so a third member of a larger
    // room never receives (and trips over) our negotiation.
    this.#signaling.send(this.#room, data, this.#remoteId ?? undefined);
  }

  #setSdp(offer, answer) {
    this.#offerSdp = offer;
    this.#answerSdp = answer;
    this.#emit('sdpchange', { offer, answer });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
