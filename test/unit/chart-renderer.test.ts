import { describe, expect, it } from 'vitest';
import type { WeeklyReport } from '../../src/domain/weekly-report';
import { loadChartLibraries, renderChartPng, renderChartSvg } from '../../src/slack/chart-renderer';
import { buildWeeklyChartSpec } from '../../src/slack/views/weekly-report';

const DAY = 24 * 60 * 60 * 1000;
const weeks = Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(2026, 7, 31) + 7 * i * DAY).toISOString().slice(0, 10));

function report(teams: string[], shift: number): WeeklyReport {
  return {
    weekOf: '2026-11-23',
    timezone: 'UTC',
    teams: teams.map((teamName, t) => ({
      teamKey: `team${t}`,
      teamName,
      received: weeks.map((weekOf, i) => ({ weekOf, decided: i === 3 ? 0 : 10, firstTimeRight: (i + shift) % 10, returns: 2, slaBreaches: (i + t + shift) % 3, slaMeasured: 9, accepted: 8, acceptP50: 60 + 10 * i, acceptP90: 240 + shift })),
      sent: weeks.map((weekOf, i) => ({ weekOf, decided: 5, firstTimeRight: (i + shift) % 5, returns: 1 })),
    })),
  };
}

/** The SVG Vega draws from the whole spec compiled afresh, without renderChartSvg's reuse of a compiled chart. */
async function svgCompiledAfresh(spec: ReturnType<typeof buildWeeklyChartSpec>): Promise<string> {
  const [vega, vegaLite] = await loadChartLibraries();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

describe('the weekly chart', () => {
  it('shows the report’s headings, weeks and teams, with the week labels under the last panel only', async () => {
    const svg = await renderChartSvg(buildWeeklyChartSpec(report(['Operations'], 0)));
    expect(svg).toContain('>Handoffs, 12 weeks to Nov 16<');
    expect(svg).toContain('>Operations<');
    expect(svg).toContain('>Operations received<');
    for (const label of ['Aug 31', 'Sep 7', 'Nov 16']) expect(svg.split(`>${label}<`)).toHaveLength(2);
  });

  it('draws each report with its own data, reusing the compiled chart: the same SVG as a compile of its whole spec', async () => {
    const first = buildWeeklyChartSpec(report(['Operations'], 0));
    const second = buildWeeklyChartSpec(report(['Fulfilment', 'Sales & <Ops>'], 4));
    await renderChartSvg(first);
    const svg = await renderChartSvg(second);
    expect(svg).not.toContain('Operations');
    expect(svg).toContain('Sales &amp; &lt;Ops&gt; sent');
    expect(svg).toBe(await svgCompiledAfresh(second));
    expect(await renderChartSvg(first)).toBe(await svgCompiledAfresh(first));
  });

  it('is a PNG of one pixel per unit', async () => {
    const png = await renderChartPng(buildWeeklyChartSpec(report(['Operations'], 0)));
    expect(Buffer.from(png.subarray(1, 4)).toString('ascii')).toBe('PNG');
    const ihdr = Buffer.from(png.subarray(16, 24));
    const svg = await renderChartSvg(buildWeeklyChartSpec(report(['Operations'], 0)));
    const [, width, height] = /width="(\d+)" height="(\d+)"/.exec(svg) ?? [];
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4)]).toEqual([Number(width), Number(height)]);
  });
});
