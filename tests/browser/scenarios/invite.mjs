// Invite links (docs/protocol.md rule 14) on a duetd that requires a join
// token: a link printed by `duetd invite` joins and its token leaves the
// address bar; an expired link and a used single-use link are explained in
// words; the room page without a link says the room needs one.

import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';

import { check } from '../lib/report.mjs';
import { waitForState, waitForSignaling } from '../lib/probes.mjs';

const base64url = (text) => Buffer.from(text).toString('base64url');

/** An HS256 token for `room` that expired an hour ago, signed with `secret` under `kid`. */
function expiredToken(room, secret, kid) {
  const input = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid }))}.`
    + base64url(JSON.stringify({ room, exp: Math.floor(Date.now() / 1000) - 3600 }));
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Opens `url` in a fresh page, presses Join; returns the page. */
async function openAndJoin(ctx, name, url) {
  const page = await ctx.browser.openPage(name);
  await page.goto(url);
  await page.waitForSelector('#join:not([disabled])');
  await page.click('#join');
  return page;
}

/**
 * ctx.tokenDaemon runs with --join-secrets k1=ctx.joinSecret and
 * --require-token true; ctx.duetd is the binary, for `duetd invite`.
 */
export async function inviteLinks(ctx) {
  const room = `invite-${ctx.room}`;
  let port = 0;
  const up = await check('invites: a duetd that requires a join token starts', [], async () => {
    port = await ctx.tokenDaemon.start(0);
  });
  const base = `http://127.0.0.1:${port}`;
  const invite = (once) => execFileSync(ctx.duetd, [
    'invite', '--room', room, '--ttl', '10m', '--base', base, '--join-secrets', `k1=${ctx.joinSecret}`,
    ...(once ? ['--once'] : []),
  ], { encoding: 'utf8' }).trim();
  const pages = [];

  await check('invites: a link from `duetd invite` joins, and its token leaves the address bar', [up], async () => {
    const link = invite(true);
    if (!link.startsWith(`${base}/room.html?room=${room}#t=`)) throw new Error(`unexpected link: ${link}`);
    const page = await openAndJoin(ctx, 'invited', link);
    pages.push(page);
    await waitForSignaling(page, 'joined');
    const url = new URL(page.url());
    if (url.hash !== '' || page.url().includes('t=')) throw new Error(`the token is still in the address: ${page.url()}`);
    if (url.searchParams.get('room') !== room) throw new Error(`the room left the address too: ${page.url()}`);
    const kept = await page.evaluate((r) => sessionStorage.getItem(`duet.joinToken.${r}`), room);
    if (!kept || !link.endsWith(kept)) throw new Error('the token is not kept for reconnects');
    await ctx.shot(page, 'invite-joined');

    // The same single-use link a second time: refused, and said so in words.
    const again = await openAndJoin(ctx, 'invited-again', link);
    pages.push(again);
    await waitForState(again, 'error', { text: /link was already used/ });
    await ctx.shot(again, 'invite-already-used');
  });

  await check('invites: an expired link shows why, in words', [up], async () => {
    const link = `${base}/room.html?room=${room}#t=${expiredToken(room, ctx.joinSecret, 'k1')}`;
    const page = await openAndJoin(ctx, 'expired', link);
    pages.push(page);
    await waitForState(page, 'error', { text: /link has expired/ });
    if (new URL(page.url()).hash !== '') throw new Error('the expired token is still in the address');
    await ctx.shot(page, 'invite-expired');
  });

  await check('invites: without a link the page says the room needs one', [up], async () => {
    const page = await openAndJoin(ctx, 'no-link', `${base}/room.html?room=${room}`);
    pages.push(page);
    await waitForState(page, 'error', { text: /needs an invite link/ });
  });

  await Promise.all(pages.map((page) => page.context().close().catch(() => {})));
  await ctx.tokenDaemon.close();
}
