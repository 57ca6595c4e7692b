import { readFileSync } from 'node:fs';
import { inPackage } from '../paths.js';

/** What the sandbox's workspace knows about the installed app: the parts of manifest.json Slack acts on. */
export interface InstalledApp {
  readonly name: string;
  readonly commands: readonly { command: string; description: string; usageHint: string }[];
  readonly globalShortcuts: readonly { name: string; callbackId: string; description: string }[];
  /** Offered in each message's ⋯ menu. */
  readonly messageShortcuts: readonly { name: string; callbackId: string; description: string }[];
  readonly botEvents: readonly string[];
  readonly homeTab: boolean;
}

export const MANIFEST_PATH = inPackage('manifest.json');

// manifest.json is Slack's open-ended format
type Json = any;

function shortcutsOf(features: Json, type: 'global' | 'message') {
  return (features.shortcuts ?? [])
    .filter((s: Json) => s.type === type)
    .map((s: Json) => ({ name: String(s.name), callbackId: String(s.callback_id), description: String(s.description ?? '') }));
}

/** Reads the app's manifest, as Slack does when the app is installed from it. */
export function readInstalledApp(path = MANIFEST_PATH): InstalledApp {
  const m: Json = JSON.parse(readFileSync(path, 'utf8'));
  const features = m.features ?? {};
  return {
    name: String(m.display_information?.name ?? 'App'),
    commands: (features.slash_commands ?? []).map((c: Json) => ({ command: String(c.command), description: String(c.description ?? ''), usageHint: String(c.usage_hint ?? '') })),
    globalShortcuts: shortcutsOf(features, 'global'),
    messageShortcuts: shortcutsOf(features, 'message'),
    botEvents: [...(m.settings?.event_subscriptions?.bot_events ?? [])].map(String),
    homeTab: features.app_home?.home_tab_enabled === true,
  };
}
