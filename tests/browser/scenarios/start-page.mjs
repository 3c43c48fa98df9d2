// The start page (/): room-name checks in words, "New room", Join, and the
// room page's answer to a name that breaks the rule.

import { check } from '../lib/report.mjs';
import { waitForState } from '../lib/probes.mjs';

export async function startPage(ctx) {
  const page = await ctx.browser.openPage('start', { viewport: { width: 900, height: 700 } });
  ctx.pages.start = page;

  await check('start page: an invalid room name is refused, in words, without leaving the page', [], async () => {
    await page.goto(`${ctx.base}/`);
    await page.fill('#room', 'not valid!');
    await page.click('#join');
    await page.waitForSelector('#roomError:not([hidden])');
    const text = await page.textContent('#roomError');
    if (!/not a space/.test(text)) throw new Error(`unexpected message: ${text}`);
    if (await page.getAttribute('#room', 'aria-invalid') !== 'true') throw new Error('the field is not marked invalid');
    if (new URL(page.url()).pathname !== '/') throw new Error(`navigated away to ${page.url()}`);
    await ctx.shot(page, 'start-invalid-name');
  });

  await check('start page: "New room" fills in a valid random name', [], async () => {
    await page.click('#newRoom');
    const name = await page.inputValue('#room');
    if (!/^room-[a-z2-9]{10}$/.test(name)) throw new Error(`random name looks wrong: ${name}`);
    if (!(await page.isHidden('#roomError'))) throw new Error('the old complaint is still shown');
  });

  await check('start page: Join opens room.html?room=NAME', [], async () => {
    await page.fill('#room', ctx.room);
    await Promise.all([page.waitForURL(/room\.html/), page.press('#room', 'Enter')]);
    const url = new URL(page.url());
    if (url.searchParams.get('room') !== ctx.room) throw new Error(`landed on ${page.url()}`);
    await waitForState(page, 'idle');
  });

  await check('room page: a room name that breaks the rule is explained, with a way back', [], async () => {
    await page.goto(`${ctx.base}/room.html?room=${encodeURIComponent('no spaces')}`);
    await waitForState(page, 'error');
    await page.waitForSelector('#invalidRoom:not([hidden]) a[href="./"]');
    const text = await page.textContent('#invalidRoomText');
    if (!/not a valid room name/.test(text)) throw new Error(`unexpected text: ${text}`);
    await ctx.shot(page, 'room-invalid-name');
  });
}

/**
 * Run after the calls: going to the start page leaves the room (the other
 * person is told at once), and the start page lists the room joined.
 */
export async function leaveToStartPage(ctx) {
  const { alice, bob } = ctx.pages;
  await check('leaving the page leaves the room: the other side is told at once', [ctx.callUp], async () => {
    await alice.goto(`${ctx.base}/`);
    await waitForState(bob, 'waiting', { timeout: 5000, text: /other person left/ });
  });
  await check('start page: the rooms joined lately are listed, one click away', [], async () => {
    await alice.waitForSelector('#recent:not([hidden])');
    const names = await alice.$$eval('#recentList a', (links) => links.map((a) => [a.textContent, a.getAttribute('href')]));
    const entry = names.find(([name]) => name === ctx.room);
    if (!entry) throw new Error(`room ${ctx.room} not listed: ${JSON.stringify(names)}`);
    if (entry[1] !== `room.html?room=${ctx.room}`) throw new Error(`link is ${entry[1]}`);
    await alice.fill('#room', 'team-standup');
    await ctx.shot(alice, 'start-page-recent-rooms', { docs: 'start.png' });
  });
  await Promise.all([alice, bob, ctx.pages.start].map((page) => page.context().close().catch(() => {})));
}
