/** An error the command line reports as one line (`handoff <command>: <message>`), without a stack, and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The command line was typed wrong (unknown flag, missing value, bad argument): the usage follows the message, and the exit code is 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}
