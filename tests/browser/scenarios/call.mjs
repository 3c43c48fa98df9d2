// Two pages in one room: pre-join, the call coming up with video and sound
// both ways, a third page turned away, chat, mute, camera off, screen share,
// and glare (both sides renegotiating at once).

import { check, info } from '../lib/report.mjs';
import {
  CALL_MS, expectFlat, expectIceServersFromJoined, mediaSample, ownAddresses, waitFor, waitForRising, waitForState,
} from '../lib/probes.mjs';

const SOUND = { by: 0.001, gapMs: 2000 }; // the fake microphone beeps about once a second

export async function call(ctx) {
  const alice = await ctx.browser.openPage('alice');
  const bob = await ctx.browser.openPage('bob');
  ctx.pages.alice = alice;
  ctx.pages.bob = bob;
  const roomUrl = ctx.roomUrl(ctx.room);

  const prejoin = await check('pre-join: the camera preview plays, devices can be picked, one Join button', [], async () => {
    await alice.goto(roomUrl);
    await waitForState(alice, 'idle');
    await alice.waitForFunction(() => document.getElementById('localvideo').videoWidth > 0);
    const cameras = await alice.$$eval('#cameraSelect option', (options) => options.map((o) => o.textContent));
    const mics = await alice.$$eval('#micSelect option', (options) => options.map((o) => o.textContent));
    if (cameras.length === 0 || /No camera/.test(cameras[0])) throw new Error(`no camera listed: ${cameras}`);
    if (mics.length === 0 || /No microphone/.test(mics[0])) throw new Error(`no microphone listed: ${mics}`);
    if (await alice.isDisabled('#join')) throw new Error('Join is disabled');
    if (!(await alice.isHidden('#toolbar'))) throw new Error('the call controls show before joining');
    info(`cameras: ${cameras.join(', ')}; microphones: ${mics.join(', ')}`);
    await ctx.shot(alice, 'alice-prejoin');
  });

  const aliceWaits = await check('first page joins and waits for the other person', [prejoin], async () => {
    await alice.click('#join');
    await waitForState(alice, 'waiting', { text: /Waiting for the other person/ });
    await ctx.shot(alice, 'alice-waiting');
  });

  const callUp = await check('second page joins and both reach "connected"', [aliceWaits], async () => {
    await bob.goto(roomUrl);
    await bob.waitForSelector('#join:not([disabled])');
    await bob.click('#join');
    await Promise.all([waitForState(alice, 'connected', { timeout: CALL_MS }), waitForState(bob, 'connected', { timeout: CALL_MS })]);
  });
  ctx.callUp = callUp;

  await check('remote video decodes on both sides (framesDecoded rising)', [callUp], async () => {
    for (const page of [alice, bob]) {
      const { after } = await waitForRising(page, 'framesDecoded', { by: 10 });
      await page.waitForFunction(() => document.getElementById('remotevideo').videoWidth > 0);
      info(`${page.duetName}: ${after.framesDecoded} frames decoded, ${after.frameWidth}x${after.frameHeight}`);
    }
  });

  await check('sound flows both ways (inbound audio samples and energy rising)', [callUp], async () => {
    for (const page of [alice, bob]) {
      await waitForRising(page, 'audioSamples', { by: 8000 });
      await waitForRising(page, 'audioEnergy', SOUND);
      const playing = await page.evaluate(() => {
        const audio = document.getElementById('remoteaudio');
        return !audio.paused && audio.srcObject?.getAudioTracks().length === 1;
      });
      if (!playing) throw new Error(`${page.duetName}: the remote sound is not playing`);
    }
  });

  await check('the media path is direct, between this machine\'s own addresses', [callUp], async () => {
    const mine = ownAddresses();
    for (const page of [alice, bob]) {
      const { pair } = await mediaSample(page);
      if (!pair) throw new Error(`${page.duetName}: no selected candidate pair`);
      if (pair.local.type !== 'host') throw new Error(`${page.duetName}: local candidate is ${pair.local.type}`);
      for (const end of [pair.local, pair.remote]) {
        if (end.address && !mine.has(end.address)) throw new Error(`${page.duetName}: ${end.address} is not this machine's`);
      }
      info(`${page.duetName}: ${pair.local.address} (${pair.local.type}) <-> ${pair.remote.address || '(peer-reflexive)'} (${pair.remote.type})`);
    }
  });

  await check('the calls use the ICE servers from `joined`: STUN, and TURN with a credential per peer', [callUp], async () => {
    for (const page of [alice, bob]) {
      info(`${page.duetName}: TURN username ${await expectIceServersFromJoined(page)}`);
    }
  });

  await check('the call timer runs and the stats panel shows the call', [callUp], async () => {
    await alice.waitForSelector('#callTimer:not([hidden])');
    await alice.click('#statsToggle');
    await alice.waitForFunction(() => /Direct/.test(document.getElementById('statPath').textContent)
      && /ms$/.test(document.getElementById('statRtt').textContent)
      && /bit\/s$/.test(document.getElementById('statReceived').textContent)
      && /×.*fps/.test(document.getElementById('statVideoIn').textContent)
      && /%$/.test(document.getElementById('statLoss').textContent));
    const shown = await alice.$$eval('#stats dt', (terms) => terms.map((dt) => `${dt.textContent}: ${dt.nextElementSibling.textContent}`));
    info(shown.join('; '));
    info(`timer: ${await alice.textContent('#callTimer')}`);
    await alice.click('#debugToggle');
    for (const id of ['#offer', '#answer']) {
      const sdp = await alice.inputValue(id);
      if (!sdp.startsWith('v=0')) throw new Error(`debug panel ${id} is empty`);
    }
    await alice.click('#debugToggle');
    await ctx.shot(alice, 'alice-in-call-stats');
    await ctx.shot(bob, 'bob-in-call');
    await alice.click('#statsToggle');
  });

  await check('a third page is told that the room is full', [callUp], async () => {
    const carol = await ctx.browser.openPage('carol', { viewport: { width: 390, height: 844 } });
    await carol.goto(roomUrl);
    await carol.waitForSelector('#join:not([disabled])');
    await carol.click('#join');
    await waitForState(carol, 'full', { text: /is full/ });
    if ((await carol.textContent('#join')).trim() !== 'Try again') throw new Error('no "Try again" after full');
    await ctx.shot(carol, 'carol-room-full-phone');
    await carol.context().close();
  });

  await check('chat: text typed on one page appears on the other, both ways', [callUp], async () => {
    await alice.click('#chatToggle');
    await alice.waitForSelector('#chatInput:not([disabled])');
    await alice.fill('#chatInput', 'Hello Bob, can you hear me?');
    await alice.press('#chatInput', 'Enter');
    await bob.waitForFunction(() => document.getElementById('chatUnread').textContent === '1');
    await bob.click('#chatToggle');
    await bob.waitForFunction(() => /Them: Hello Bob, can you hear me\?/.test(document.getElementById('chatLog').textContent));
    await bob.fill('#chatInput', 'Loud and clear <b>not bold</b>');
    await bob.click('#chatSend');
    await alice.waitForFunction(() => document.getElementById('chatLog').textContent.includes('Them: Loud and clear <b>not bold</b>'));
    if (await alice.$('#chatLog b')) throw new Error('chat text was interpreted as HTML');
    await ctx.shot(bob, 'bob-chat', { docs: 'call.png' });
    await Promise.all([alice.click('#chatToggle'), bob.click('#chatToggle')]);
  });

  await check('mute: the other side\'s stats go silent, and come back on unmute', [callUp], async () => {
    await alice.click('#mic');
    if (await alice.getAttribute('#mic', 'aria-pressed') !== 'true') throw new Error('Mute does not show as pressed');
    await bob.waitForSelector('#remoteMicOff:not([hidden])');
    await new Promise((done) => setTimeout(done, 800)); // what was on its way still arrives
    const flat = await expectFlat(bob, 'audioEnergy', { below: 0.0005, gapMs: 2500 });
    await waitForRising(bob, 'audioSamples', { by: 8000 }); // silence still streams: the call is fine
    await bob.click('#statsToggle');
    await bob.waitForFunction(() => document.getElementById('statAudioIn').textContent === 'muted');
    await ctx.shot(bob, 'bob-sees-alice-muted');
    await bob.click('#statsToggle');
    await alice.click('#mic');
    await bob.waitForSelector('#remoteMicOff', { state: 'hidden' });
    const back = await waitForRising(bob, 'audioEnergy', SOUND);
    info(`bob's inbound audio energy: flat at ${flat.after.audioEnergy.toFixed(4)} while muted, then ${back.after.audioEnergy.toFixed(4)}`);
  });

  await check('camera off stops the video (the other side says so), camera on brings it back', [callUp], async () => {
    await alice.click('#camera');
    await bob.waitForSelector('#remotePlaceholder:has-text("camera is off")');
    await new Promise((done) => setTimeout(done, 800));
    await expectFlat(bob, 'framesDecoded', { below: 3, gapMs: 1500 });
    const live = await alice.evaluate(() => window.duet.media.cameraOn);
    if (live) throw new Error('alice\'s camera track is still open');
    await ctx.shot(bob, 'bob-sees-alice-camera-off');
    await alice.click('#camera');
    await bob.waitForSelector('#remotePlaceholder', { state: 'hidden' });
    await waitForRising(bob, 'framesDecoded', { by: 10 });
  });

  await check('screen share replaces the video track in the same call, and back', [callUp], async () => {
    const before = await mediaSample(alice);
    await alice.click('#screen');
    await alice.waitForFunction(() => document.getElementById('screen').getAttribute('aria-pressed') === 'true');
    const sharing = await waitFor(() => mediaSample(alice), (s) => /^screen/.test(s.sentVideoLabel ?? ''), {
      timeout: 5000, describe: (s) => `alice sends "${s.sentVideoLabel}", not a screen`,
    });
    await bob.waitForSelector('#remoteSharing:not([hidden])');
    await waitFor(() => mediaSample(bob), (s) => s.frameWidth > 0 && s.frameWidth / s.frameHeight !== 4 / 3 && s.frameWidth / s.frameHeight !== 16 / 9, {
      timeout: 10_000, describe: (s) => `bob still decodes ${s.frameWidth}x${s.frameHeight}`,
    }).then((s) => info(`bob decodes the screen at ${s.frameWidth}x${s.frameHeight}`),
      () => info('bob\'s decoded size did not change shape (the fake screen has the camera\'s shape)'));
    await waitForRising(bob, 'framesDecoded', { by: 5 });
    const after = await mediaSample(alice);
    if (after.localSession !== before.localSession || after.remoteUfrag !== before.remoteUfrag) {
      throw new Error('sharing set up a new call or an ICE restart; replaceTrack should need neither');
    }
    info(`alice sent "${before.sentVideoLabel}", then "${sharing.sentVideoLabel}"`);
    await ctx.shot(bob, 'bob-sees-alice-screen');
    await ctx.shot(alice, 'alice-sharing-screen');
    await alice.click('#screen');
    await waitFor(() => mediaSample(alice), (s) => s.sentVideoLabel === before.sentVideoLabel, {
      timeout: 5000, describe: (s) => `alice sends "${s.sentVideoLabel}" after sharing stopped`,
    });
    await bob.waitForSelector('#remoteSharing', { state: 'hidden' });
    await waitForRising(bob, 'framesDecoded', { by: 5 });
  });

  await check('glare: both sides offer at once (ICE restarts), the polite one yields, the call carries on', [callUp], async () => {
    const [a0, b0] = await Promise.all([mediaSample(alice), mediaSample(bob)]);
    // Hold each page's outgoing signaling until both have an offer out, so
    // that each receives the other's offer while its own is pending.
    await Promise.all([alice, bob].map((page) => page.evaluate(() => {
      const { signaling, call } = window.duet;
      const held = [];
      signaling.send = (data, to) => held.push([data, to]) > 0;
      window.releaseSignaling = () => {
        delete signaling.send; // back to the class's own method
        held.forEach(([data, to]) => signaling.send(data, to));
      };
      call.restartIce();
    })));
    await Promise.all([alice, bob].map((page) => waitFor(() => mediaSample(page), (s) => s.signalingState === 'have-local-offer', {
      timeout: 5000, describe: (s) => `${page.duetName}: no offer of its own (${s.signalingState})`,
    })));
    await Promise.all([alice, bob].map((page) => page.evaluate(() => window.releaseSignaling())));
    const settled = (before) => (s) => s.signalingState === 'stable' && s.connectionState === 'connected'
      && s.remoteUfrag !== before.remoteUfrag;
    const describe = (s) => `signaling ${s.signalingState}, connection ${s.connectionState}, ufrag ${s.remoteUfrag}`;
    await Promise.all([
      waitFor(() => mediaSample(alice), settled(a0), { timeout: 15_000, describe: (s) => `alice: ${describe(s)}` }),
      waitFor(() => mediaSample(bob), settled(b0), { timeout: 15_000, describe: (s) => `bob: ${describe(s)}` }),
    ]);
    const yielded = [alice, bob].filter((page) => page.duetConsole.some((line) => /ignoring a colliding offer/.test(line)));
    if (yielded.length !== 1) throw new Error(`wanted exactly one impolite side ignoring an offer, saw ${yielded.length}`);
    info(`${yielded[0].duetName} (impolite) ignored the colliding offer; the other rolled back and answered`);
    await Promise.all([waitForRising(alice, 'framesDecoded', { by: 5 }), waitForRising(bob, 'framesDecoded', { by: 5 })]);
    if ((await mediaSample(alice)).localSession !== a0.localSession) throw new Error('glare ended in a new call');
    await Promise.all([waitForState(alice, 'connected'), waitForState(bob, 'connected')]);
  });
}
