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
 * Pixels per SVG unit. Rasterizing and PNG encoding grow with the area, so the chart is drawn at one
 * pixel per unit (872 × 670 for the weekly chart, 58% of the pixels of 1.25) with its type set a size
 * larger instead (views/weekly-report.ts): text takes the same share of the width, which is what
 * Slack's scaled-down preview shows.
 */
const ZOOM = 1;

let libraries: Promise<[typeof import('vega'), typeof import('vega-lite'), typeof import('@resvg/resvg-js')]> | null = null;

/** Loads the chart libraries (about a second the first time); later calls share the same load. */
export function loadChartLibraries(): NonNullable<typeof libraries> {
  libraries ??= Promise.all([import('vega'), import('vega-lite'), import('@resvg/resvg-js')]);
  // A failed load is tried again next time instead of failing every report of the process.
  libraries.catch(() => (libraries = null));
  return libraries;
}

/** Compiled charts by their template (a spec without its datasets and parameter values, as JSON). */
const runtimes = new Map<string, ReturnType<typeof import('vega').parse>>();
/** Charts differ in their data, not their shape: a handful of templates at most. */
const MAX_TEMPLATES = 16;

/**
 * A spec split into what is the same from one chart to the next and what is not: the top-level
 * `datasets` (which its views name as `data: { name }`) and the values of its top-level variable
 * `params`. The template keeps the dataset names without values and the params without values.
 */
function splitSpec(spec: TopLevelSpec): { key: string; template: TopLevelSpec; datasets: Array<[string, unknown[]]>; signals: Array<[string, unknown]> } {
  const { datasets = {}, params = [], ...rest } = spec as TopLevelSpec & { datasets?: Record<string, unknown[]>; params?: Array<Record<string, unknown>> };
  const signals: Array<[string, unknown]> = [];
  const templateParams = params.map((p) => {
    if (!('value' in p) || 'select' in p || 'expr' in p) return p;
    signals.push([String(p.name), p.value]);
    return { ...p, value: null };
  });
  const template = { ...rest, ...(params.length ? { params: templateParams } : {}) } as TopLevelSpec;
  return { key: JSON.stringify(template), template, datasets: Object.entries(datasets), signals };
}

/**
 * The chart as SVG, without a browser or canvas: Vega-Lite compiles the spec's template (once per
 * template: compiling and parsing cost more than drawing), Vega draws it with this chart's data and
 * parameters (renderer 'none': no DOM).
 */
export async function renderChartSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await loadChartLibraries();
  const { key, template, datasets, signals } = splitSpec(spec);
  let runtime = runtimes.get(key);
  if (!runtime) {
    runtime = vega.parse(vegaLite.compile(template).spec);
    if (runtimes.size >= MAX_TEMPLATES) runtimes.clear();
    runtimes.set(key, runtime);
  }
  const view = new vega.View(runtime, { renderer: 'none' });
  try {
    for (const [name, value] of signals) view.signal(name, value);
    for (const [name, values] of datasets) view.data(name, values);
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Renders on the server: renderChartSvg, then resvg rasterizes the SVG with the bundled fonts. The
 * libraries load on first use, so a bot that never sends a report never loads them.
 */
export async function renderChartPng(spec: TopLevelSpec): Promise<Uint8Array> {
  const svg = await renderChartSvg(spec);
  const { Resvg } = (await loadChartLibraries())[2];
  const resvg = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: ZOOM }, font: { loadSystemFonts: false, fontFiles: fontFiles(), defaultFontFamily: CHART_FONT_FAMILY } });
  return resvg.render().asPng();
}
