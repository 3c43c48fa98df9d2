// Call: a one-to-one call that outlives signaling trouble.
//
// Flow (docs/protocol.md, rule 3): the member already in the room makes the
// offer when it gets `otherjoin`; the newcomer answers. After that either
// side may renegotiate (peer-session.js: perfect negotiation, with the role
// the server gives in `joined`, rule 13).
//
// What makes it robust:
// - Losing the server does not touch the RTCPeerConnection: media flows
//   browser to browser.
// - With seat leases (rule 12) a page whose connection dropped takes its own
//   seat back: the other page hears `peerdown` ("reconnecting") and `peerup`,
//   never `otherjoin`, and both keep their call. A reloaded page resumes its
//   seat too, with no call: it offers a fresh one, which replaces the other
//   page's (call-continuity.js tells a new connection's offer apart).
// - Without a seat to take back (the daemon restarted, or leases no seats)
//   pages join afresh with new ids; the newcomer then says which call it
//   holds (`hello`) and the other keeps the call if it is the same one.
// - What ends a call: a `hangup` over the data channel (Leave), a `bye` (with
//   leases: the other page left, or its lease ran out; without: only when the
//   media stopped too), and, without leases, the data channel closing.
// - A broken media path gets an ICE restart.

import { PeerSession } from './peer-session.js';
import {
  parseRelayed, parseChannelMessage, chatMessage, stateMessage, hangupMessage,
} from './peer-messages.js';
import { helloFor, judgeHello, isOfferFromNewConnection } from './call-continuity.js';

// How long the member already present waits for a rejoining member's hello
// before it treats the newcomer as someone without a call (an older client).
const HELLO_WAIT_MS = 4000;
// ICE often recovers from `disconnected` by itself within a few seconds.
const DISCONNECTED_GRACE_MS = 4000;

const NO_CALL = Object.freeze({ mine: null, yours: null });
const ROLES = new Set(['polite', 'impolite']);
const EVERYTHING_ON = Object.freeze({ mic: true, camera: true, screen: false });

/**
 * The other person, as Call.partner says:
 * - absent   nobody came yet
 * - present  in the room (or in the call)
 * - down     their connection to the server dropped; the server holds their
 *            seat for them (peerdown), and the call is kept
 * - gone     they left
 *
 * Events (CustomEvent, payload in `detail`):
 * - change                 partner, connectionState or connectedSince changed
 * - remotestream {stream}  the other person's media; null when the call ended
 * - remotestate {mic, camera, screen}  what the other person sends
 * - chat {text}            a chat line from the other person
 * - channel {open}         whether chat can be sent
 * - sdp {offer, answer}    for the debug panel
 */
export class Call extends EventTarget {
  #signaling;
  #media;
  #createSession;
  #session = null;
  #partnerId = null;
  #partnerInRoom = false;
  #partner = 'absent';
  #polite = false;
  #role = null; // the server's, from joined; null in rooms without roles
  #leased = false; // the daemon holds seats across drops (joined had a resume)
  #undelivered = false; // a message for the held partner was not kept (peer_unavailable)
  #iceServers = [];
  #connectedSince = null;
  #remoteState = EVERYTHING_ON;
  #helloTimer = null;
  #disconnectedTimer = null;
  #listeners = new AbortController();
  // Signaling messages are handled one at a time, in arrival order: handlers
  // await the peer connection, and a candidate must not overtake its offer.
  #work = Promise.resolve();

  /**
   * @param {object} options
   * @param {import('./signaling.js').SignalingClient} options.signaling  started, or about to be
   * @param {import('./local-media.js').LocalMedia} options.media  what we send
   */
  constructor({ signaling, media, createSession = (options) => new PeerSession(options) }) {
    super();
    this.#signaling = signaling;
    this.#media = media;
    this.#createSession = createSession;
    const { signal } = this.#listeners;

    const serially = (type, handler) => signaling.addEventListener(type, (event) => {
      this.#work = this.#work
        .then(() => (signal.aborted ? undefined : handler(event.detail)))
        .catch((error) => console.error(`call: handling ${type} failed`, error));
    }, { signal });
    serially('joined', (msg) => this.#onJoined(msg));
    serially('otherjoin', (msg) => this.#onOtherJoin(msg));
    serially('bye', (msg) => this.#onBye(msg));
    serially('peerdown', (msg) => this.#onPeerDown(msg));
    serially('peerup', (msg) => this.#onPeerUp(msg));
    serially('message', (msg) => this.#onMessage(msg));
    serially('error', (msg) => this.#onError(msg));
    signaling.addEventListener('statechange', () => {
      if (signaling.state !== 'joined') {
        this.#clearHelloTimer(); // the newcomer's hello cannot come now
      }
      this.#emit('change');
    }, { signal });
    media.addEventListener('change', () => this.#sendLocalMedia(), { signal });
  }

  /** 'absent', 'present', 'down' or 'gone' (see above). */
  get partner() {
    return this.#partner;
  }

  /** The RTCPeerConnection's connectionState, or null with no call. */
  get connectionState() {
    return this.#session?.connectionState ?? null;
  }

  /** The current RTCPeerConnection (for getStats and tests), or null. */
  get peerConnection() {
    return this.#session?.peerConnection ?? null;
  }

  /** When the current call first connected (Date.now() ms), or null. */
  get connectedSince() {
    return this.#connectedSince;
  }

  get remoteState() {
    return this.#remoteState;
  }

  get chatOpen() {
    return this.#session?.channelOpen ?? false;
  }

  /** Sends a chat line over the data channel; false when it is not open. */
  sendChat(text) {
    return this.#session?.sendOnChannel(chatMessage(text)) ?? false;
  }

  /** Forces an ICE restart now (the Debug panel's button, and the glare test). */
  restartIce() {
    this.#session?.restartIce();
  }

  /** Ends the call for good: tells the other page, closes the connection, stops listening. */
  hangup() {
    this.#session?.sendOnChannel(hangupMessage());
    this.drop();
  }

  /**
   * Closes the connection and stops listening without telling the other
   * page, whose call is not over: this page reloads (its resumed seat will
   * offer a new call), or another tab took its seat and goes on from there.
   */
  drop() {
    this.#listeners.abort();
    this.#clearHelloTimer();
    this.#closeSession();
  }

  // ---------------------------------------------------------------- signaling

  #onJoined({ peers, iceServers, role, resumed, leased }) {
    this.#iceServers = Array.isArray(iceServers) ? iceServers : [];
    this.#session?.updateIceServers(this.#iceServers); // fresh TURN credentials with every join
    // Whoever holds the other seat now may not be whom we talked to before
    // (they left while we were away, and someone took the seat): learn it anew.
    this.#partnerId = null;
    this.#leased = leased === true;
    this.#undelivered = false;
    this.#role = ROLES.has(role) ? role : null;
    if (peers >= 2) {
      // Without a role from the server, the newcomer yields on glare.
      this.#polite = this.#role === null ? true : this.#role === 'polite';
      this.#partnerInRoom = true;
      this.#setPartner('present');
      if (resumed === true) {
        this.#onSeatResumed();
      } else {
        this.#relay(helloFor(this.#session?.sessions ?? NO_CALL));
        // An offer of ours sent while the server was away never arrived.
        this.#session?.resendPendingOffer();
      }
    } else {
      this.#polite = this.#role === 'polite';
      this.#partnerInRoom = false;
      // Alone in the room after a reconnect: a call that still flows is kept,
      // since the other page may be on its way back; a broken one is over.
      if (this.#session !== null && this.#session.connectionState === 'failed') {
        this.#endCall();
      } else if (this.#partner === 'down') {
        // Their seat was held when we lost the server, and is not any more.
        this.#setPartner(this.#session === null ? 'gone' : 'present');
      }
    }
    this.#emit('change');
  }

  // Our seat, taken back (rule 12): the other member knows us by the same id
  // and holds whatever call it held, so there is nothing to say hello about.
  #onSeatResumed() {
    const session = this.#session;
    if (session === null) {
      // This page was reloaded: it has no call, and the other page heard
      // `peerup`, not `otherjoin`, so nobody else will offer. Its old call
      // is replaced when our offer arrives from a new connection.
      this.#startNewCall();
      return;
    }
    // Messages we could not send while away are lost; an offer among them
    // would leave the call waiting for its answer forever.
    session.resendPendingOffer();
    if (session.connectionState === 'failed' || session.connectionState === 'disconnected') {
      session.restartIce();
    }
  }

  #onOtherJoin({ id }) {
    if (this.#partnerInRoom && this.#partnerId !== null && id !== this.#partnerId) {
      console.warn('call: ignoring a third member (this room holds more than two)');
      return;
    }
    if (this.#role === null) {
      this.#polite = false; // without roles, the member present holds firm
    }
    this.#partnerId = id;
    this.#partnerInRoom = true;
    this.#setPartner('present');
    if (this.#session !== null && this.#session.sessions.yours !== null) {
      // Maybe our partner, back with a new id because it could not resume
      // its seat (a daemon restart): their hello will say.
      this.#armHelloTimer();
    } else {
      this.#startNewCall();
    }
  }

  #onBye({ id }) {
    if (this.#partnerId !== null && id !== this.#partnerId) {
      return; // someone we were not talking to (a room of more than two)
    }
    this.#partnerId = null;
    this.#partnerInRoom = false;
    this.#clearHelloTimer();
    if (this.#leased) {
      // With leases a drop is `peerdown`: `bye` means they left, or did not
      // come back within the lease.
      this.#endCall();
      return;
    }
    const session = this.#session;
    if (session !== null && session.connectionState === 'connected' && session.channelOpen) {
      // Their signaling is gone but their media is not: the server restarted
      // or their connection to it dropped. A real departure closes the channel.
      this.#emit('change');
      return;
    }
    this.#endCall();
  }

  #onPeerDown({ id }) {
    if (this.#partnerId !== null && id !== this.#partnerId) {
      return;
    }
    this.#partnerId = id;
    // Their seat is held and counts as in the room: what we relay now is kept
    // for them, so the call (and any negotiation under way) goes on.
    this.#setPartner('down');
  }

  #onPeerUp({ id }) {
    if (this.#partnerId !== null && id !== this.#partnerId) {
      return;
    }
    this.#partnerId = id;
    this.#partnerInRoom = true;
    this.#setPartner('present');
    const session = this.#session;
    if (session === null) {
      return;
    }
    if (this.#undelivered) {
      // Some of our negotiation was not kept for them: send a pending offer
      // again, and restart ICE, whose new offer carries what they missed.
      this.#undelivered = false;
      session.resendPendingOffer();
      session.restartIce();
    }
  }

  #onError({ code }) {
    if (code === 'peer_unavailable') {
      // The held partner's keep is full (rule 12): this message is lost for them.
      this.#undelivered = true;
    }
  }

  async #onMessage({ from, data }) {
    if (this.#partnerId === null) {
      this.#partnerId = from;
      this.#partnerInRoom = true;
    } else if (from !== this.#partnerId) {
      console.warn('call: ignoring data from a member we are not talking to');
      return;
    }
    const message = parseRelayed(data);
    if (message === null) {
      console.warn('call: ignoring relayed data of an unknown shape');
      return;
    }
    switch (message.type) {
      case 'hello':
        this.#onHello(message);
        break;
      case 'offer':
        await this.#onOffer(message);
        break;
      case 'answer':
        await this.#session?.handleDescription(message);
        break;
      case 'candidate':
        await this.#session?.handleCandidate(message.candidate);
        break;
      default:
        break;
    }
  }

  #onHello(hello) {
    this.#clearHelloTimer();
    const session = this.#session;
    switch (judgeHello(hello, session?.sessions ?? NO_CALL)) {
      case 'continue':
        this.#setPartner('present');
        session.resendPendingOffer();
        if (session.connectionState === 'failed' || session.connectionState === 'disconnected') {
          session.restartIce();
        }
        break;
      case 'restart':
        // The newcomer holds another call, or none, and waits for an offer
        // (it answers, whichever role it has): ours is stale.
        this.#startNewCall();
        break;
      default: // 'wait': an offer is already on its way
        break;
    }
  }

  async #onOffer(description) {
    // The same peer id may now speak for a new connection: a reloaded page
    // that resumed its seat, or one that joined afresh. Its offer cannot be a
    // renegotiation of our call.
    if (this.#session !== null && isOfferFromNewConnection(description.sdp, this.#session.sessions)) {
      this.#closeSession(); // their page started over; so do we
    }
    if (this.#session === null) {
      this.#openSession({ offerer: false });
    }
    this.#setPartner('present');
    await this.#session.handleDescription(description);
  }

  // ---------------------------------------------------------------- the connection

  #startNewCall() {
    this.#closeSession();
    this.#openSession({ offerer: true });
  }

  #openSession({ offerer }) {
    const session = this.#createSession({
      iceServers: this.#iceServers,
      send: (data) => this.#relay(data),
      isPolite: () => this.#polite,
      tracks: { audio: this.#media.audioTrack, video: this.#media.videoTrack },
      offerer,
    });
    this.#session = session;
    this.#connectedSince = null;
    this.#remoteState = EVERYTHING_ON;

    // Events of a session that has since been replaced must not touch the new one.
    const on = (type, handler) => session.addEventListener(type, (event) => {
      if (session === this.#session) {
        handler(event.detail);
      }
    });
    on('connectionstatechange', ({ state }) => this.#onConnectionState(session, state));
    on('remotestream', ({ stream }) => this.#emit('remotestream', { stream }));
    on('sdp', (detail) => this.#emit('sdp', detail));
    on('negotiationerror', ({ error }) => console.error('call: negotiation failed', error));
    on('channelopen', () => {
      session.sendOnChannel(stateMessage(this.#localState()));
      this.#emit('channel', { open: true });
    });
    on('channelclose', () => this.#onChannelClose());
    on('channelmessage', ({ text }) => this.#onChannelMessage(text));
    this.#emit('change');
  }

  #closeSession() {
    const session = this.#session;
    if (session === null) {
      return;
    }
    this.#session = null;
    this.#connectedSince = null;
    this.#clearDisconnectedTimer();
    session.close();
    this.#emit('remotestream', { stream: null });
    this.#emit('channel', { open: false });
    this.#emit('change');
  }

  // The other page closed its connection. Without leases that is its way of
  // leaving (a reload comes back as a newcomer). With leases a page leaving
  // says `hangup` or `leave`, so this is a reload, whose resumed seat offers a
  // new call: drop ours, and let `bye` or `peerdown` say the rest.
  #onChannelClose() {
    if (this.#leased) {
      this.#closeSession();
    } else {
      this.#endCall();
    }
  }

  /** The other person left: drop the call and wait for whoever comes next. */
  #endCall() {
    this.#clearHelloTimer();
    this.#closeSession();
    this.#remoteState = EVERYTHING_ON;
    this.#setPartner('gone');
  }

  #onConnectionState(session, state) {
    this.#clearDisconnectedTimer();
    if (state === 'connected') {
      this.#connectedSince ??= Date.now();
    } else if (state === 'disconnected') {
      this.#disconnectedTimer = setTimeout(() => {
        this.#disconnectedTimer = null;
        if (session === this.#session && session.connectionState === 'disconnected') {
          this.#recover(session);
        }
      }, DISCONNECTED_GRACE_MS);
    } else if (state === 'failed') {
      this.#recover(session);
    }
    this.#emit('change');
  }

  #recover(session) {
    if (this.#signaling.state !== 'joined') {
      return; // nothing can be negotiated now; the rejoin's hello decides
    }
    if (!this.#partnerInRoom) {
      this.#endCall(); // their media broke and they are not in the room
      return;
    }
    session.restartIce();
  }

  #onChannelMessage(text) {
    const message = parseChannelMessage(text);
    if (message === null) {
      return;
    }
    if (message.type === 'chat') {
      this.#emit('chat', { text: message.text });
    } else if (message.type === 'state') {
      this.#remoteState = { mic: message.mic, camera: message.camera, screen: message.screen };
      this.#emit('remotestate', this.#remoteState);
    } else if (message.type === 'hangup') {
      this.#endCall();
    }
  }

  // ---------------------------------------------------------------- local media

  #localState() {
    const media = this.#media;
    return { mic: media.hasMic && !media.micMuted, camera: media.cameraOn || media.sharing, screen: media.sharing };
  }

  #sendLocalMedia() {
    const session = this.#session;
    if (session === null) {
      return;
    }
    Promise.all([
      session.setTrack('audio', this.#media.audioTrack),
      session.setTrack('video', this.#media.videoTrack),
    ]).catch((error) => console.error('call: could not switch a track', error));
    session.sendOnChannel(stateMessage(this.#localState()));
  }

  // ---------------------------------------------------------------- helpers

  // Addressed to the partner when known, so a third member of a larger room
  // never receives (and trips over) our negotiation.
  #relay(data) {
    return this.#signaling.send(data, this.#partnerId ?? undefined);
  }

  #armHelloTimer() {
    this.#clearHelloTimer();
    this.#helloTimer = setTimeout(() => {
      this.#helloTimer = null;
      console.info('call: no hello from the newcomer; starting a fresh call');
      this.#startNewCall();
    }, HELLO_WAIT_MS);
  }

  #clearHelloTimer() {
    if (this.#helloTimer !== null) {
      clearTimeout(this.#helloTimer);
      this.#helloTimer = null;
    }
  }

  #clearDisconnectedTimer() {
    if (this.#disconnectedTimer !== null) {
      clearTimeout(this.#disconnectedTimer);
      this.#disconnectedTimer = null;
    }
  }

  #setPartner(partner) {
    if (this.#partner !== partner) {
      this.#partner = partner;
      this.#emit('change');
    }
  }

  #emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
