// What a call survives, and how it ends: hang-up and rejoin, the daemon
// killed or restarted mid-call, a page reload, blocked camera and microphone,
// closing the page; and the page used by keyboard alone.

import { check, info } from '../lib/report.mjs';
import {
  CALL_MS, expectIceServersFromJoined, mediaSample, waitFor, waitForRising, waitForSignaling, waitForState,
} from '../lib/probes.mjs';
import { BLOCK_ALL, BLOCK_CAMERA } from '../lib/devices.mjs';

async function sendChat(from, to, text) {
  await from.evaluate((line) => {
    if (!window.duet.call.sendChat(line)) throw new Error('chat not open');
  }, text);
  await to.waitForFunction((line) => document.getElementById('chatLog').textContent.includes(line), text);
}

export async function hangUpAndRejoin(ctx) {
  const { alice, bob } = ctx.pages;
  const left = await check('hang up on one side returns the other to "waiting"', [ctx.callUp], async () => {
    await bob.click('#hangup');
    await Promise.all([
      waitForState(bob, 'left'),
      waitForState(alice, 'waiting', { timeout: 5000, text: /other person left/ }),
    ]);
    if (await alice.evaluate(() => ['remotevideo', 'remoteaudio'].some((id) => document.getElementById(id).srcObject !== null))) {
      throw new Error('alice still plays a remote stream');
    }
    if (await bob.evaluate(() => window.duet.media.videoTrack !== null || window.duet.media.audioTrack !== null)) {
      throw new Error('bob\'s camera or microphone is still open after leaving');
    }
    await ctx.shot(alice, 'alice-after-bob-left');
    await ctx.shot(bob, 'bob-left');
  });
  ctx.callUp = await check('"Join again" brings the call back', [left], async () => {
    await bob.click('#join');
    await Promise.all([waitForState(alice, 'connected', { timeout: CALL_MS }), waitForState(bob, 'connected', { timeout: CALL_MS })]);
    await Promise.all([waitForRising(alice, 'framesDecoded', { by: 5 }), waitForRising(bob, 'framesDecoded', { by: 5 })]);
  });
}

/**
 * The daemon goes away mid-call and comes back on the same port: the media
 * never stops, both pages rejoin by themselves, and it is still the same call.
 */
export async function daemonRestart(ctx, { how }) {
  const { alice, bob } = ctx.pages;
  const pages = [alice, bob];
  let before = [];
  const down = await check(`duetd ${how === 'kill' ? 'killed (SIGKILL)' : 'stopped (SIGTERM, 1001)'} mid-call: media keeps flowing without it`, [ctx.callUp], async () => {
    before = await Promise.all(pages.map(mediaSample));
    if (how === 'kill') {
      await ctx.daemon.kill();
    } else {
      await ctx.daemon.terminate();
    }
    await Promise.all(pages.map((page) => waitFor(() => page.evaluate(() => document.body.dataset.signaling), (s) => s !== 'joined', {
      timeout: 5000, describe: (s) => `${page.duetName}: signaling still "${s}"`,
    })));
    for (const page of pages) {
      await waitForRising(page, 'framesDecoded', { by: 10 });
      await waitForRising(page, 'audioSamples', { by: 8000 });
      await waitForState(page, 'connected', { timeout: 1000, text: /server dropped/ });
    }
    await ctx.shot(alice, `alice-server-down-${how}`);
  });
  const back = await check(`duetd back on the same port: both pages rejoin signaling by themselves, same call`, [down], async () => {
    await ctx.daemon.start(ctx.port);
    await Promise.all(pages.map((page) => waitForSignaling(page, 'joined', 40_000)));
    const after = await Promise.all(pages.map(mediaSample));
    pages.forEach((page, i) => {
      if (after[i].localSession !== before[i].localSession || after[i].remoteSession !== before[i].remoteSession) {
        throw new Error(`${page.duetName}: the call was replaced (${before[i].localSession} -> ${after[i].localSession})`);
      }
    });
    await Promise.all(pages.map((page) => waitForState(page, 'connected', { text: /^Connected\./ })));
    await Promise.all(pages.map((page) => waitForRising(page, 'framesDecoded', { by: 5 })));
    // The kept call now restarts ICE with the TURN credential of the new connection.
    await Promise.all(pages.map(expectIceServersFromJoined));
  });
  await check('after the restart: chat and a renegotiation through the new daemon work', [back], async () => {
    await sendChat(alice, bob, `still here after ${how}`);
    await sendChat(bob, alice, `me too after ${how}`);
    const b0 = await mediaSample(bob);
    await alice.evaluate(() => window.duet.call.restartIce());
    await waitFor(() => mediaSample(bob), (s) => s.remoteUfrag !== b0.remoteUfrag && s.signalingState === 'stable', {
      timeout: 15_000, describe: (s) => `bob never got alice's new offer (signaling ${s.signalingState})`,
    });
    await Promise.all(pages.map((page) => waitForState(page, 'connected')));
    await ctx.shot(bob, `bob-after-restart-${how}`);
  });
  ctx.callUp = back;
}

export async function reload(ctx) {
  const { alice, bob } = ctx.pages;
  ctx.callUp = await check('a reloaded page comes back into the room and gets a fresh call', [ctx.callUp], async () => {
    const before = await mediaSample(alice);
    await bob.reload();
    await Promise.all([waitForState(alice, 'connected', { timeout: CALL_MS }), waitForState(bob, 'connected', { timeout: CALL_MS })]);
    const after = await mediaSample(alice);
    if (after.localSession === before.localSession) throw new Error('alice kept the old RTCPeerConnection');
    await Promise.all([waitForRising(alice, 'framesDecoded', { by: 5 }), waitForRising(bob, 'framesDecoded', { by: 5 })]);
    await waitForRising(alice, 'audioEnergy', { by: 0.001, gapMs: 2000 });
    const notes = await bob.textContent('#notes');
    info(`bob after the reload: "${notes}"; sound button shown: ${await bob.isVisible('#enableSound')}`);
    await ctx.shot(bob, 'bob-after-reload');
  });
}

/** Camera blocked (sound only), everything blocked (watch only), and a share that needs a renegotiation. */
export async function blockedDevices(ctx) {
  const room = `${ctx.room}-2`;
  const url = ctx.roomUrl(room);
  const dave = await ctx.browser.openPage('dave-no-camera', { initScript: BLOCK_CAMERA });
  const frank = await ctx.browser.openPage('frank-phone', { viewport: { width: 390, height: 844 } });

  const daveReady = await check('camera blocked: the page says so and still lets the person join', [], async () => {
    await dave.goto(url);
    await dave.waitForSelector('#mediaProblem:not([hidden])');
    const problem = await dave.textContent('#mediaProblem');
    if (problem !== 'Camera blocked: sending sound only.') throw new Error(`says: ${problem}`);
    await waitForState(dave, 'idle', { text: /Camera blocked/ });
    await ctx.shot(dave, 'dave-camera-blocked-prejoin');
    await dave.click('#join');
    await waitForState(dave, 'waiting', { text: /Camera blocked/ });
  });
  const audioOnly = await check('an audio-only page and a camera page get a call: video one way, sound both ways', [daveReady], async () => {
    await frank.goto(url);
    await frank.waitForSelector('#join:not([disabled])');
    await frank.click('#join');
    await Promise.all([waitForState(dave, 'connected', { timeout: CALL_MS }), waitForState(frank, 'connected', { timeout: CALL_MS })]);
    await waitForRising(dave, 'framesDecoded', { by: 10 });
    await waitForRising(dave, 'audioEnergy', { by: 0.001, gapMs: 2000 });
    // Chromium's fake microphone beeps in step with its fake camera's frames,
    // so a page without a camera sends silence: count samples, not loudness.
    await waitForRising(frank, 'audioSamples', { by: 8000 });
    await frank.waitForFunction(() => {
      const audio = document.getElementById('remoteaudio');
      return !audio.paused && audio.srcObject?.getAudioTracks()[0]?.readyState === 'live';
    });
    await frank.waitForSelector('#remotePlaceholder:has-text("camera is off")');
    await ctx.shot(frank, 'frank-phone-call-with-audio-only-dave');
  });
  await check('screen share from the audio-only page renegotiates (perfect negotiation) and the video arrives', [audioOnly], async () => {
    const before = await mediaSample(dave);
    await dave.click('#screen');
    await waitForRising(frank, 'framesDecoded', { by: 10 });
    await frank.waitForSelector('#remoteSharing:not([hidden])');
    const after = await mediaSample(dave);
    if (after.localSession !== before.localSession) throw new Error('sharing started a new call');
    if (after.signalingState !== 'stable') throw new Error(`dave left in signaling state ${after.signalingState}`);
    await ctx.shot(frank, 'frank-phone-sees-dave-screen');
    await dave.click('#screen');
    await frank.waitForSelector('#remoteSharing', { state: 'hidden' });
    await dave.click('#hangup');
    await waitForState(frank, 'waiting');
  });

  const erin = await ctx.browser.openPage('erin-receive-only', { initScript: BLOCK_ALL });
  const watching = await check('camera and microphone blocked: the page joins to watch and listen', [], async () => {
    await erin.goto(url);
    await erin.waitForSelector('#mediaProblem:not([hidden])');
    const problem = await erin.textContent('#mediaProblem');
    if (!/watching and listening only/.test(problem)) throw new Error(`says: ${problem}`);
    if (!(await erin.isDisabled('#mic'))) throw new Error('Mute is offered without a microphone');
    await erin.click('#join');
    await Promise.all([waitForState(erin, 'connected', { timeout: CALL_MS }), waitForState(frank, 'connected', { timeout: CALL_MS })]);
    await waitForRising(erin, 'framesDecoded', { by: 10 });
    await waitForRising(erin, 'audioEnergy', { by: 0.001, gapMs: 2000 });
    await ctx.shot(erin, 'erin-receive-only');
  });
  await check('closing the tab leaves the room: the other side is told at once', [watching], async () => {
    await erin.context().close();
    await waitForState(frank, 'waiting', { timeout: 5000, text: /other person left/ });
  });
  await dave.context().close();
  await frank.context().close();
}

export async function keyboard(ctx) {
  const page = await ctx.browser.openPage('keyboard');
  await check('keyboard only: Tab to Join, Enter joins, Space toggles Mute', [], async () => {
    await page.goto(ctx.roomUrl(`${ctx.room}-3`));
    await page.waitForSelector('#join:not([disabled])');
    for (let i = 0; i < 25 && await page.evaluate(() => document.activeElement?.id) !== 'join'; i += 1) {
      await page.keyboard.press('Tab');
    }
    if (await page.evaluate(() => document.activeElement?.id) !== 'join') throw new Error('Tab never reached Join');
    await page.keyboard.press('Enter');
    await waitForState(page, 'waiting');
    for (let i = 0; i < 25 && await page.evaluate(() => document.activeElement?.id) !== 'mic'; i += 1) {
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Space');
    if (await page.getAttribute('#mic', 'aria-pressed') !== 'true') throw new Error('Space did not mute');
    await ctx.shot(page, 'keyboard-focus-on-mute');
  });
  await check('every control has a name a screen reader can say', [], async () => {
    const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, input, select, textarea, video, a')]
      .filter((el) => {
        const labelled = el.getAttribute('aria-label') || el.labels?.[0]?.textContent || el.textContent;
        return !labelled || labelled.trim() === '';
      })
      .map((el) => el.id || el.outerHTML.slice(0, 60)));
    if (unnamed.length > 0) throw new Error(`without a name: ${unnamed.join(', ')}`);
  });
  await page.context().close();
}
