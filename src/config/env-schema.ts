import { z } from 'zod';
import { databaseUrlProblem } from './database-url.js';

export const envSchema = z
  .object({
    SLACK_BOT_TOKEN: z
      .string({ error: 'required: the bot token (xoxb-…) from OAuth & Permissions' })
      .min(1, 'required: the bot token (xoxb-…) from OAuth & Permissions'),
    SLACK_SIGNING_SECRET: z.string().optional(),
    SLACK_APP_TOKEN: z.string().optional(),
    SLACK_API_URL: z.url().optional(),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATABASE_URL: z
      .string()
      .default('file:./data/handoff.db')
      .superRefine((url, ctx) => {
        const problem = databaseUrlProblem(url);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    HANDOFF_CONFIG: z.string().default('./handoff.config.yaml'),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    METRICS_TOKEN: z.string().min(32, 'use a random token of at least 32 characters (e.g. openssl rand -hex 32); unset it to turn /metrics off').optional(),
  })
  .superRefine((env, ctx) => {
    if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: 'required in HTTP mode (Basic Information → Signing Secret); or set SLACK_APP_TOKEN for Socket Mode',
      });
    if (env.SLACK_APP_TOKEN !== undefined && !env.SLACK_APP_TOKEN.startsWith('xapp-'))
      ctx.addIssue({ code: 'custom', path: ['SLACK_APP_TOKEN'], message: 'an app-level token starts with xapp-' });
  }, { when: (payload) => typeof payload.value === 'object' && payload.value !== null })
  .transform((env) => ({
    botToken: env.SLACK_BOT_TOKEN,
    signingSecret: env.SLACK_SIGNING_SECRET ?? '',
    appToken: env.SLACK_APP_TOKEN,
    slackApiUrl: env.SLACK_API_URL,
    port: env.PORT,
    databaseUrl: env.DATABASE_URL,
    configPath: env.HANDOFF_CONFIG,
    logLevel: env.LOG_LEVEL,
    metricsToken: env.METRICS_TOKEN,
  }));

export type Env = Readonly<z.output<typeof envSchema>>;
