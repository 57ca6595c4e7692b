// Signed requests as Slack sends them; the sandbox sends what a person does through the same code.
export * from '../../src/sandbox/slack-client-sim';
