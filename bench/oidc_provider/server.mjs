// The reference server of consentry's benchmark: node oidc-provider v9, configured like consentry.
//
// In memory (a Map-based adapter: the bundled one is an LRU of 1,000 entries, too small for a token
// pool), ES256 JWT access tokens for one resource server (RFC 8707 resource indicators), one
// confidential client with client_secret_post, refresh tokens issued on every code exchange and
// rotated on every use, client_credentials enabled, no PKCE requirement (consentry's benchmark app
// has none either), no ID token (no `openid` scope).
//
// A second listener on CONTROL_PORT mints pools through the provider's own models:
//   GET /mint?kind=refresh&count=N  -> N refresh tokens, one grant each
//   GET /mint?kind=code&count=N     -> N authorization codes, one grant each
//
// Environment: PORT, CONTROL_PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, CODE_TTL_SECONDS.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const PORT = Number(process.env.PORT);
const CONTROL_PORT = Number(process.env.CONTROL_PORT);
const CLIENT_ID = process.env.CLIENT_ID;
const CLIENT_SECRET = process.env.CLIENT_SECRET;
const REDIRECT_URI = process.env.REDIRECT_URI;
const CODE_TTL = Number(process.env.CODE_TTL_SECONDS || 3600);
const ISSUER = `http://127.0.0.1:${PORT}`;
const RESOURCE = 'https://api.bench.test';
const SCOPE = 'read';
const MAX_MINT = 500000;

// --- A Map-based adapter: unbounded, expiring entries; indexes grants for revokeByGrantId. ---
const store = new Map();
const grantMembers = new Map();
const nowSeconds = () => Math.floor(Date.now() / 1000);

class MapAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    const expiresAt = typeof expiresIn === 'number' ? nowSeconds() + expiresIn : Infinity;
    store.set(key, { payload, expiresAt });
    if (payload.grantId) {
      let members = grantMembers.get(payload.grantId);
      if (!members) {
        members = new Set();
        grantMembers.set(payload.grantId, members);
      }
      members.add(key);
    }
    if (payload.uid) store.set(`uid:${payload.uid}`, { payload: id, expiresAt });
    if (payload.userCode) store.set(`userCode:${payload.userCode}`, { payload: id, expiresAt });
  }

  async find(id) {
    const entry = store.get(this.key(id));
    if (!entry) return undefined;
    if (entry.expiresAt <= nowSeconds()) {
      store.delete(this.key(id));
      return undefined;
    }
    return entry.payload;
  }

  async findByUid(uid) {
    const entry = store.get(`uid:${uid}`);
    return entry ? this.find(entry.payload) : undefined;
  }

  async findByUserCode(userCode) {
    const entry = store.get(`userCode:${userCode}`);
    return entry ? this.find(entry.payload) : undefined;
  }

  async consume(id) {
    const entry = store.get(this.key(id));
    if (entry) entry.payload.consumed = nowSeconds();
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of grantMembers.get(grantId) ?? []) store.delete(key);
    grantMembers.delete(grantId);
  }
}

// --- The provider. ---
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-es256', use: 'sig', alg: 'ES256' };

const provider = new Provider(ISSUER, {
  adapter: MapAdapter,
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
      redirect_uris: [REDIRECT_URI],
      id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: SCOPE,
        audience: RESOURCE,
        accessTokenTTL: 900,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
  pkce: { required: () => false },
  // Like consentry: a refresh token with every code exchange, rotated on every use.
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: () => true,
  ttl: {
    AccessToken: 900,
    ClientCredentials: 900,
    AuthorizationCode: CODE_TTL,
    RefreshToken: 183 * 24 * 3600,
    Grant: 183 * 24 * 3600,
  },
});

// --- Pools, minted through the provider's own models. ---
async function mint(kind, count) {
  const client = await provider.Client.find(CLIENT_ID);
  const values = [];
  for (let i = 0; i < count; i += 1) {
    const accountId = `bench-user-${randomBytes(8).toString('hex')}`;
    const grant = new provider.Grant({ clientId: CLIENT_ID, accountId });
    grant.addResourceScope(RESOURCE, SCOPE);
    const grantId = await grant.save();
    const common = {
      client, accountId, grantId, scope: SCOPE, resource: RESOURCE, expiresWithSession: false,
    };
    if (kind === 'refresh') {
      values.push(await new provider.RefreshToken({
        ...common, gty: 'authorization_code', rotations: 0, iiat: nowSeconds(),
      }).save());
    } else {
      values.push(await new provider.AuthorizationCode({
        ...common, redirectUri: REDIRECT_URI,
      }).save());
    }
  }
  return values;
}

const control = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/health') {
      res.end('ok\n');
      return;
    }
    const kind = url.searchParams.get('kind');
    const count = Number(url.searchParams.get('count'));
    if (url.pathname !== '/mint' || !['refresh', 'code'].includes(kind)
        || !Number.isInteger(count) || count < 1 || count > MAX_MINT) {
      res.statusCode = 400;
      res.end('GET /mint?kind=refresh|code&count=N\n');
      return;
    }
    const values = await mint(kind, count);
    res.setHeader('content-type', 'text/plain');
    res.end(`${values.join('\n')}\n`);
  } catch (error) {
    res.statusCode = 500;
    res.end(`${error.stack}\n`);
  }
});

provider.listen(PORT, '127.0.0.1');
control.listen(CONTROL_PORT, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
