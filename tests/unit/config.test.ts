import { ConfigError, loadConfig } from '../../server/config';

const prodBase = {
  NODE_ENV: 'production',
  SESSION_SECRET: 'x'.repeat(48),
  PUBLIC_URL: 'https://harbour.example.org',
  TRUST_PROXY: 'loopback',
};

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  it('starts with safe local defaults', () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.secureCookies).toBe(false);
    expect(config.bcryptCost).toBe(4);
    expect(config.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(config.readConcurrency).toBe(24);
  });

  it('takes a number of reads worked on at once, from 1', () => {
    expect(loadConfig({ NODE_ENV: 'test', READ_CONCURRENCY: '8' }).readConcurrency).toBe(8);
    expect(configError({ NODE_ENV: 'test', READ_CONCURRENCY: '0' })).toMatch(/READ_CONCURRENCY/);
    expect(configError({ NODE_ENV: 'test', READ_CONCURRENCY: 'many' })).toMatch(/READ_CONCURRENCY/);
  });

  it('uses bcrypt cost 12 in production', () => {
    expect(loadConfig(prodBase).bcryptCost).toBe(12);
    expect(loadConfig(prodBase).secureCookies).toBe(true);
  });

  it('names a bad value in one clear line', () => {
    const message = configError({ NODE_ENV: 'test', PORT: 'eighty' });
    expect(message).toMatch(/^Invalid configuration: PORT /);
    expect(message).not.toContain('\n');
    expect(configError({ NODE_ENV: 'test', SMTP_URL: 'http://mail' })).toMatch(/SMTP_URL/);
    expect(configError({ NODE_ENV: 'staging' })).toMatch(/NODE_ENV/);
  });

  it('refuses production without a secret of at least 32 bytes', () => {
    const { SESSION_SECRET: _unused, ...noSecret } = prodBase;
    expect(configError(noSecret)).toMatch(/SESSION_SECRET/);
    expect(configError({ ...prodBase, SESSION_SECRET: 'short-but-16-chars' })).toMatch(
      /SESSION_SECRET.*32 bytes/,
    );
  });

  it('refuses production without https or a trusted proxy', () => {
    expect(configError({ ...prodBase, PUBLIC_URL: 'http://harbour.example.org' })).toMatch(
      /PUBLIC_URL must be https/,
    );
    const { TRUST_PROXY: _unused, ...noProxy } = prodBase;
    expect(configError(noProxy)).toMatch(/TRUST_PROXY/);
  });

  it('refuses production with a remote database reached without TLS', () => {
    expect(
      configError({ ...prodBase, MONGODB_URI: 'mongodb://db.example.org:27017/harbour' }),
    ).toMatch(/MONGODB_URI must use TLS/);
    expect(() =>
      loadConfig({ ...prodBase, MONGODB_URI: 'mongodb://db.example.org/harbour?tls=true' }),
    ).not.toThrow();
    expect(() =>
      loadConfig({ ...prodBase, MONGODB_URI: 'mongodb://127.0.0.1:27017/harbour' }),
    ).not.toThrow();
  });
});
