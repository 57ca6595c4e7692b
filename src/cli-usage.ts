/** What `handoff help` prints, and what follows every usage error. */
export const USAGE = `Usage: handoff <command>

  start                      run the bot (same as npm start); with no Slack settings, the local sandbox
  sandbox [--now <ISO time>] try it without Slack: the bot on a local Slack emulator with a web page
  migrate                    apply database migrations (DATABASE_URL) and exit
  config check [--file F]    validate the workflow file (HANDOFF_CONFIG) and exit
  config schema [--out F]    print the JSON Schema of the workflow file (or write it to F)
  webhooks status            per webhook: pending, failing (with the last error), delivered
  jobs run <nudges|digest|report> [--now <ISO time>]
                             run one job once as of that time (default: now) and send what it queued
                             (report: the weekly report to each lead whose Monday 09:00 has passed)
  export --since <date> [--format csv|jsonl] [--out F [--force]]
                             write handoffs created since then (fields, people, times, durations)
                             to stdout or to a new file F (mode 0600; --force replaces an existing one)
  backup <file> [--force]    copy the SQLite database (DATABASE_URL) to a new file (mode 0600), a
                             consistent snapshot even while the bot runs; --force replaces an existing one
  db copy --from <url> --to <url> [--batch-size N]
                             copy every table from one database to another (SQLite file: ↔ postgres://),
                             into an empty target it migrates first; checks rows and checksums per table
  help                       this text; every command also takes --help

export, webhooks status and backup only read: they refuse a database file that does not exist.
Exit codes: 0 done, 1 failed (one line says why), 2 the command line was wrong (usage follows).
`;
