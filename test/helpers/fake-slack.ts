// The fake Slack Web API grew into the sandbox's emulator; tests keep importing it from here.
export * from '../../src/sandbox/fake-slack';
