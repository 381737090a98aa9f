import { ConfigError, loadConfig } from '../../src/config';

describe('loadConfig', () => {
  it('when the environment is empty, then defaults apply and PUBLIC_BASE_URL follows PORT', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.PUBLIC_BASE_URL).toBe('http://localhost:3000');
    expect(config.MONGODB_URI).toBeUndefined();
    expect(config.isProduction).toBe(false);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('when PORT is not a number, then one line names PORT and shows the value', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/^Invalid environment: PORT .*got "abc"/);
  });

  it('when MONGODB_URI is not a mongodb URI, then the error names MONGODB_URI', () => {
    expect(() => loadConfig({ MONGODB_URI: 'http://x' })).toThrow(/MONGODB_URI/);
  });

  it('when production runs without SESSION_SECRET, then boot is refused naming it', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET is required in production/);
  });

  it('when TRUST_PROXY is a hop count, then it becomes a number; "true" becomes a boolean', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'loopback' }).TRUST_PROXY).toBe('loopback');
  });

  it('when a variable is set to the empty string, then it counts as unset', () => {
    expect(loadConfig({ MONGODB_URI: '', PORT: '' }).PORT).toBe(3000);
  });
});
