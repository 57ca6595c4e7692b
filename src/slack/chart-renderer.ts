import { createRequire } from 'node:module';
import type { TopLevelSpec } from 'vega-lite';

/** Turns a Vega-Lite spec into PNG bytes. The notifier takes one, so a test can make rendering fail. */
export type ChartRenderer = (spec: TopLevelSpec) => Promise<Uint8Array>;

/** The font the chart's text is drawn in: shipped as an npm package, so rendering needs no system fonts. */
export const CHART_FONT_FAMILY = 'DejaVu Sans';

let fonts: string[] | null = null;

/** Resolved once: resvg reads the files itself (memory-mapped, under a millisecond), the lookup need not repeat. */
function fontFiles(): string[] {
  const require = createRequire(import.meta.url);
  fonts ??= ['dejavu-fonts-ttf/ttf/DejaVuSans.ttf', 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'].map((f) => require.resolve(f));
  return fonts;
}

/**
 * Pixels per SVG unit. Rasterizing and PNG encoding grow with the area: 1.25 keeps the 9-11 px axis
 * labels sharp in Slack's preview (about 1,090 px wide) at 70% of the pixels 1.5 drew.
 */
const ZOOM = 1.25;

let libraries: Promise<[typeof import('vega'), typeof import('vega-lite'), typeof import('@resvg/resvg-js')]> | null = null;

/** Loads the chart libraries (about a second the first time); later calls share the same load. */
export function loadChartLibraries(): NonNullable<typeof libraries> {
  libraries ??= Promise.all([import('vega'), import('vega-lite'), import('@resvg/resvg-js')]);
  // A failed load is tried again next time instead of failing every report of the process.
  libraries.catch(() => (libraries = null));
  return libraries;
}

/**
 * Renders on the server without a browser or canvas: Vega-Lite compiles the spec, Vega draws it as
 * SVG (renderer 'none': no DOM), resvg rasterizes it with the bundled fonts. The libraries load on
 * first use, so a bot that never sends a report never loads them.
 */
export async function renderChartPng(spec: TopLevelSpec): Promise<Uint8Array> {
  const [vega, vegaLite, { Resvg }] = await loadChartLibraries();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const resvg = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: ZOOM }, font: { loadSystemFonts: false, fontFiles: fontFiles(), defaultFontFamily: CHART_FONT_FAMILY } });
    return resvg.render().asPng();
  } finally {
    view.finalize();
  }
}
