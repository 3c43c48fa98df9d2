// A call between two pages on two different nodes of a cluster (docs/cluster.md): each
// page is served by, and signals through, its own duetd; the nodes share the room
// through a real redis-server. The call must come up and carry media and chat both
// ways, as on one daemon.

import { check, info } from '../lib/report.mjs';
import { CALL_MS, waitForRising, waitForState } from '../lib/probes.mjs';

export async function clusterCall(ctx) {
  const nodesUp = await check('cluster: redis-server and two duetd nodes start and register', [], async () => {
    await ctx.clusterRedis.start();
    ctx.clusterPorts = [await ctx.clusterNodes[0].start(0), await ctx.clusterNodes[1].start(0)];
    for (const port of ctx.clusterPorts) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
        if (health.status === 'ok') break;
        if (Date.now() > deadline) throw new Error(`node on ${port} never registered: ${JSON.stringify(health)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    info(`nodes on ports ${ctx.clusterPorts.join(' and ')}`);
  });

  const room = `${ctx.room}-cluster`;
  const [one, two] = await Promise.all([ctx.browser.openPage('node1-page'), ctx.browser.openPage('node2-page')]);
  const callUp = await check('cluster: pages on two nodes reach "connected"', [nodesUp], async () => {
    await one.goto(`http://127.0.0.1:${ctx.clusterPorts[0]}/room.html?room=${room}`);
    await one.waitForSelector('#join:not([disabled])');
    await one.click('#join');
    await waitForState(one, 'waiting');
    await two.goto(`http://127.0.0.1:${ctx.clusterPorts[1]}/room.html?room=${room}`);
    await two.waitForSelector('#join:not([disabled])');
    await two.click('#join');
    await Promise.all([waitForState(one, 'connected', { timeout: CALL_MS }), waitForState(two, 'connected', { timeout: CALL_MS })]);
  });

  await check('cluster: video and sound flow both ways across the nodes', [callUp], async () => {
    for (const page of [one, two]) {
      await waitForRising(page, 'framesDecoded', { by: 10 });
      await waitForRising(page, 'audioSamples', { by: 8000 });
    }
  });

  await check('cluster: the nodes relayed through Redis (their cross-node counters rose)', [callUp], async () => {
    for (const port of ctx.clusterPorts) {
      const page = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const sent = Number(/^duet_cluster_messages_sent_total (\d+)/m.exec(page)?.[1] ?? 0);
      const received = Number(/^duet_cluster_messages_received_total (\d+)/m.exec(page)?.[1] ?? 0);
      info(`node on ${port}: ${sent} messages sent to the other node, ${received} received`);
      if (sent === 0 || received === 0) throw new Error(`node on ${port} relayed nothing through Redis`);
    }
  });
  await one.close();
  await two.close();
}
