import { describe, expect, it } from 'vitest';
import { gitAuthEnv } from './gitAuthEnv.js';
import { parseRepoUrl, redactUrlCredentials } from './repoUrl.js';

describe('parseRepoUrl', () => {
  it.each([
    ['https://github.com/org/app.git', { kind: 'remote', scheme: 'https', host: 'github.com' }],
    ['HTTPS://GitHub.com/org/app.git', { kind: 'remote', scheme: 'https', host: 'github.com' }],
    ['http://127.0.0.1:8080/app.git', { kind: 'remote', scheme: 'http', port: '8080' }],
    ['ssh://git@Host.example:2222/org/app.git', { scheme: 'ssh', host: 'host.example', user: 'git' }],
    ['SSH://git@host/org/app.git', { scheme: 'ssh', host: 'host', scpLike: false }],
    ['git://host/org/app.git', { scheme: 'git', host: 'host' }],
    ['git@github.com:org/app.git', { scheme: 'ssh', host: 'github.com', user: 'git', scpLike: true }],
    ['[::1]:org/app.git', { scheme: 'ssh', host: '::1', scpLike: true }],
    ['file:///srv/git/app.git', { kind: 'local', path: '/srv/git/app.git', fileUrl: true }],
    ['FILE:///srv/git/my%20app.git', { kind: 'local', path: '/srv/git/my app.git', fileUrl: true }],
    ['/srv/git/app.git', { kind: 'local', path: '/srv/git/app.git', fileUrl: false }],
    ['./relative/repo', { kind: 'local', fileUrl: false }],
    ['/srv/My Repos/a:b', { kind: 'local' }],
  ])('reads %s', (url, expected) => {
    const parsed = parseRepoUrl(url);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.location).toMatchObject(expected);
  });

  it.each([
    ['HTTPS://x-access-token:ghp_secret@github.com/o/r.git', /credentials/],
    ['Https://tok@github.com/o/r.git', /credentials/],
    ['hTTp://u:p@host/o/r.git', /credentials/],
    ['https://@github.com/o/r.git', /credentials/],
    ['https://a%40b@github.com/o/r.git', /credentials/],
    ['ssh://git:hunter2@host/o/r.git', /credentials/],
    ['x-access-token:ghp_secret@github.com:o/r.git', /credentials/],
    ['ssh://-oProxyCommand=touch%20/tmp/pwned/x', /host must not start with "-"/],
    ['SSH://-oProxyCommand=x/y', /host must not start with "-"/],
    ['ssh://-u@host/x', /user must not start with "-"/],
    ['git@-oProxyCommand=x:o/r', /host must not start with "-"/],
    ['-oProxyCommand=x@host:o/r', /start with "-"/],
    ['host:-upload-pack=x', /path must not start with "-"/],
    ['ssh://%0aevil/x', /control characters/],
    [' https://github.com/o/r.git', /spaces/],
    ['https://github.com/o/r.git ', /spaces/],
    ['https://github.com/o r.git', /spaces/],
    ['https://github.com/o/r\t.git', /control/],
    ['https://github.com/', /repository path/],
    ['ssh://host', /repository path/],
    ['https://', /valid URL/],
    ['file://otherhost/srv/x.git', /must not name a host/],
    ['EXT::sh -c touch% /tmp/pwned', /"ext::" transport/],
    ['fd::17', /fd::/],
    ['FTP://host/repo', /"ftp:\/\/" scheme/],
    ['', /empty/],
  ])('refuses %j', (url, problem) => {
    const parsed = parseRepoUrl(url);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.problem).toMatch(problem);
      // A problem never quotes the value, which may carry a secret.
      expect(parsed.problem).not.toMatch(/secret|hunter2|tok@|pwned/);
    }
  });
});

describe('gitAuthEnv', () => {
  it('scopes the header to the origin whatever the scheme case, and never to ssh or local repos', () => {
    const env = gitAuthEnv({}, 'HTTPS://GitHub.com:443/o/r.git', 'tkn');
    expect(env).toMatchObject({
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.https://github.com/.extraHeader',
    });
    expect(gitAuthEnv({ GIT_CONFIG_COUNT: '2' }, 'http://h:8080/r', 'tkn').GIT_CONFIG_KEY_2).toBe(
      'http.http://h:8080/.extraHeader',
    );
    for (const url of ['git@github.com:o/r.git', 'ssh://h/r', '/srv/r.git', 'file:///srv/r.git']) {
      expect(gitAuthEnv({}, url, 'tkn')).toEqual({});
    }
    expect(gitAuthEnv({}, 'https://github.com/o/r', undefined)).toEqual({});
  });
});

describe('redactUrlCredentials', () => {
  it('hides http(s) userinfo and any password, whatever the case', () => {
    expect(
      redactUrlCredentials(
        '{"repo":"HTTPS://x-access-token:ghp_secret@github.com/o/r.git","b":"http://u@h/x"}',
      ),
    ).toBe('{"repo":"HTTPS://***@github.com/o/r.git","b":"http://***@h/x"}');
    expect(redactUrlCredentials('ssh://git:pw@host/x and ssh://git@host/y')).toBe(
      'ssh://git:***@host/x and ssh://git@host/y',
    );
    expect(redactUrlCredentials('https://github.com/o/r.git')).toBe('https://github.com/o/r.git');
  });
});
