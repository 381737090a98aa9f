// Runs before each test file: quiet logs, and no test may reach a real mail server or the internet by accident.
process.env.LOG_LEVEL ??= 'silent';
process.env.NODE_ENV = 'test';
if (!process.env.TEST_MONGODB_URI) {
  throw new Error('TEST_MONGODB_URI is not set: the jest globalSetup did not start a database (tests need one)');
}
