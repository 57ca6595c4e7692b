import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './cli-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `parseArgs` in strict mode for one command: an unknown flag, a flag without its value
 * (`--out --since x` is not a file named `--since`) or an extra argument is a UsageError.
 * Every command also takes `--help`/`-h`. `positionals` is how many plain arguments it takes at most.
 */
export function parseCommandArgs<const O extends Options>(args: readonly string[], options: O, positionals = 0) {
  try {
    const parsed = parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
    if (parsed.positionals.length > positionals) throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
    return parsed;
  } catch (error) {
    if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS_')) {
      // One line, without Node's hint about `--` (no command here takes an argument starting with a dash).
      throw new UsageError(error.message.replace(/\. To specify a positional argument starting with a '-'.*$/s, '').replace(/\s*\n\s*/g, ' '));
    }
    throw error;
  }
}
