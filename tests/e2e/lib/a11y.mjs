// a11y.mjs — accessibility checks shared by the consultation tests: axe-core
// (WCAG 2.0/2.1 A and AA rules) injected through the DevTools protocol
// (page.evaluate), which the page's CSP does not apply to, so the page runs
// under its real policy; and a check that nothing lies outside a narrow
// viewport. Both fail with every finding spelled out.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
export const PHONE = { width: 360, height: 740 };

/**
 * @param {import('playwright-core').Page} page
 * @param {string} screen named in the failure
 */
export async function assertNoViolations(page, screen) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async (tags) => {
    const axe = /** @type {any} */ (window).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((/** @type {any} */ v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((/** @type {any} */ n) => `${n.target.join(' ')}: ${n.failureSummary}`),
    }));
  }, WCAG_TAGS);
  assert.deepEqual(result, [], `axe found violations on the ${screen} screen:\n${JSON.stringify(result, null, 2)}`);
}

/**
 * Every visible control and text lies within the viewport's width, and the
 * page does not scroll sideways.
 * @param {import('playwright-core').Page} page
 * @param {string} screen
 */
export async function assertFitsWidth(page, screen) {
  const report = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const cut = [];
    for (const el of document.querySelectorAll('button, input, label, h1, h2, h3, p, video, li')) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue; // not rendered
      if (box.left < -0.5 || box.right > width + 0.5) {
        cut.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${(el.textContent ?? '').trim().slice(0, 30)}" [${Math.round(box.left)}, ${Math.round(box.right)}]`);
      }
    }
    return { width, scrollWidth: document.documentElement.scrollWidth, cut };
  });
  assert.deepEqual(report.cut, [], `${screen} at ${report.width} px: elements outside the viewport`);
  assert.ok(report.scrollWidth <= report.width, `${screen} scrolls sideways: ${report.scrollWidth} > ${report.width}`);
}

/**
 * The focused element shows a focus ring of at least 2 px.
 * @param {import('playwright-core').Page} page
 */
export async function focusRing(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    return {
      name: el.getAttribute('aria-label') ?? el.textContent,
      visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    };
  });
}
