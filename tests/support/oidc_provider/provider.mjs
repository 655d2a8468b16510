// A real OpenID provider on loopback for tests/platform/test_sso.py: panva's certified oidc-provider with
// a login page (a password is checked) and a consent page of our own, a fresh RSA signing key per start, PKCE
// required, and the accounts below. Not for anything but the tests.
//
//   node provider.mjs PORT REDIRECT_URI CLIENT_ID CLIENT_SECRET
//
// Prints "ready ISSUER" on stdout once it listens; stops on SIGTERM.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const [port, redirectUri, clientId, clientSecret] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

// The university's people. `email_verified` is what the provider vouches for: the site may link an existing
// account on the address only when it is true.
const PASSWORD = 'uni-pass-2026';
const ACCOUNTS = {
  'ada.lovelace': { email: 'ada@uni.test', email_verified: true, given_name: 'Ada', family_name: 'Lovelace' },
  grace: { email: 'grace@uni.test', email_verified: true, given_name: 'Grace', family_name: 'Hopper' },
  // Claims an address the provider never checked.
  mallory: { email: 'victim@uni.test', email_verified: false, given_name: 'Mallory', family_name: 'M' },
  // Says nothing about verification at all (as Microsoft Entra does).
  quiet: { email: 'quiet@uni.test', given_name: 'Quinn', family_name: 'Quiet' },
  linus: { email: 'linus@uni.test', email_verified: true, given_name: 'Linus', family_name: 'T' },
};
// The subject is the provider's own stable id, not the login name (which a person may change).
const subjectOf = (login) => `sub-${Buffer.from(login).toString('hex')}`;
const loginOf = new Map(Object.keys(ACCOUNTS).map((login) => [subjectOf(login), login]));

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `test-${randomBytes(4).toString('hex')}`, use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const login = loginOf.get(sub);
    if (!login) return undefined;
    return {
      accountId: sub,
      async claims() {
        const person = ACCOUNTS[login];
        return { sub, preferred_username: login, name: `${person.given_name} ${person.family_name}`, ...person };
      },
    };
  },
});

const page = (title, body) => `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;

async function formFields(ctx) {
  let raw = '';
  for await (const chunk of ctx.req) raw += chunk;
  return new URLSearchParams(raw);
}

// The interaction pages: GET shows the login (or consent) form, POST .../login checks the password,
// POST .../confirm records the consent as a grant.
provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)(?:\/(login|confirm))?$/);
  if (!match) return next();
  const [, uid, action] = match;
  const interaction = await provider.interactionDetails(ctx.req, ctx.res);
  if (interaction.uid !== uid) ctx.throw(400, 'interaction mismatch');
  const { prompt, params, session } = interaction;
  if (ctx.method === 'GET' && prompt.name === 'login') {
    ctx.type = 'html';
    ctx.body = page('Sign in to the University', `
      <form method="post" action="/interaction/${uid}/login">
        <label>Login <input name="login" autofocus></label>
        <label>Password <input name="password" type="password"></label>
        <button type="submit">Sign in</button>
      </form>`);
    return undefined;
  }
  if (ctx.method === 'GET' && prompt.name === 'consent') {
    ctx.type = 'html';
    ctx.body = page('Allow access', `<p>${params.client_id} asks for: ${params.scope}</p>
      <form method="post" action="/interaction/${uid}/confirm"><button type="submit">Allow</button></form>`);
    return undefined;
  }
  if (ctx.method === 'POST' && action === 'login') {
    const fields = await formFields(ctx);
    const login = fields.get('login');
    if (!(login in ACCOUNTS) || fields.get('password') !== PASSWORD) {
      ctx.status = 403;
      ctx.type = 'html';
      ctx.body = page('Wrong login or password', '');
      return undefined;
    }
    await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: subjectOf(login) } },
      { mergeWithLastSubmission: false });
    return undefined;
  }
  if (ctx.method === 'POST' && action === 'confirm') {
    const { details } = prompt;
    const grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(details.missingResourceScopes || {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return undefined;
  }
  return ctx.throw(405);
});

const server = provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
