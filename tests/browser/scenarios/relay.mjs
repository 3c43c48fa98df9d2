// A call that can only go through TURN: a real coturn (config/coturn.conf) on
// the namespace's 10.77.0.1, a second duetd handing out credentials for it, and
// two pages whose RTCPeerConnections are forced to iceTransportPolicy "relay"
// (the page itself is unchanged: an init script wraps the constructor). The
// call must connect and getStats() must show relay candidates at both ends.

import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';

import { check, info } from '../lib/report.mjs';
import { CALL_MS, mediaSample, waitForRising, waitForState } from '../lib/probes.mjs';

export const TURN_ADDRESS = '10.77.0.1';

/** Runs in each page before its scripts: every RTCPeerConnection gathers relay candidates only. */
function forceRelay() {
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(configuration = {}, ...rest) {
      super({ ...configuration, iceTransportPolicy: 'relay' }, ...rest);
    }
  };
}

/** Whether this run is inside tests/browser/isolated.sh's namespace (which has 10.77.0.1). */
export function hasTurnAddress() {
  return Object.values(networkInterfaces()).flat().some((entry) => entry.address === TURN_ADDRESS);
}

/**
 * @param ctx.coturn  a Coturn on TURN_ADDRESS, not started
 * @param ctx.turnDaemon  a Daemon whose turn_urls point at it, not started
 */
export async function relayedCall(ctx) {
  const { coturn, turnDaemon } = ctx;
  const coturnUp = await check(`coturn with config/coturn.conf answers on ${TURN_ADDRESS}`, [], () => coturn.start());
  let base = '';
  const daemonUp = await check('a duetd with turn_secret and turn_urls for that coturn starts', [coturnUp], async () => {
    base = `http://127.0.0.1:${await turnDaemon.start(0)}`;
  });
  const roomUrl = `${base}/room.html?room=relay-${randomBytes(4).toString('hex')}`;
  const pages = [];

  const callUp = await check('two relay-only pages (iceTransportPolicy "relay") reach "connected"', [daemonUp], async () => {
    for (const name of ['relay-alice', 'relay-bob']) {
      const page = await ctx.browser.openPage(name, { initScript: forceRelay });
      pages.push(page);
      await page.goto(roomUrl);
      await page.waitForSelector('#join:not([disabled])');
      await page.click('#join');
    }
    await Promise.all(pages.map((page) => waitForState(page, 'connected', { timeout: CALL_MS })));
  });

  await check('getStats: the selected pair is relay <-> relay through coturn, and video decodes', [callUp], async () => {
    for (const page of pages) {
      const policy = await page.evaluate(() => window.duet.call.peerConnection.getConfiguration().iceTransportPolicy);
      if (policy !== 'relay') throw new Error(`${page.duetName}: iceTransportPolicy is "${policy}"`);
      const { pair } = await mediaSample(page);
      if (!pair) throw new Error(`${page.duetName}: no selected candidate pair`);
      if (pair.local.type !== 'relay' || pair.remote.type !== 'relay') {
        throw new Error(`${page.duetName}: pair is ${pair.local.type} <-> ${pair.remote.type}`);
      }
      if (pair.local.address !== TURN_ADDRESS) throw new Error(`${page.duetName}: relayed from ${pair.local.address}`);
      await waitForRising(page, 'framesDecoded', { by: 10 });
      info(`${page.duetName}: ${pair.local.address} (relay) <-> ${pair.remote.address} (relay)`);
    }
  });

  await check('the stats panel says "Relayed through a TURN server"', [callUp], async () => {
    const [alice] = pages;
    await alice.click('#statsToggle');
    await alice.waitForFunction(() => /^Relayed through a TURN server/.test(document.getElementById('statPath').textContent));
    info(await alice.textContent('#statPath'));
    await ctx.shot(alice, 'relay-alice-stats');
  });

  await Promise.all(pages.map((page) => page.context().close().catch(() => {})));
  await turnDaemon.close();
  await coturn.close();
}
