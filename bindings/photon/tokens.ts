/**
 * Lightwave's token endpoint (`POST /openidconnect/token`, API.md §5): password and refresh grants
 * issue RS256 JWTs (audience rs_esxcloud, `sub` user@domain, `groups` domain\group) signed with `jose`,
 * for the users of a users file. Verification maps jose's failures onto Photon's 401 codes.
 */
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, errors as joseErrors, type JWK, type CryptoKey } from "jose";
import { ApiError } from "./errors.js";
import type { Caller } from "./auth.js";

/** A users file: `{"domain": "esxcloud", "users": [{"name", "password", "groups": ["ESXCloudAdmins"]}]}`. */
export interface UsersFile {
  domain?: string;
  users: { name: string; password: string; groups?: string[] }[];
  /** A bearer token that is let through without group checks (the deployment's shared secret). */
  sharedSecret?: string;
  /** Access token lifetime (default 3600 s); refresh tokens live 8 hours. */
  tokenLifetimeSeconds?: number;
}

/** Checks a parsed users file; throws an Error naming what is wrong. */
export function checkUsersFile(raw: unknown): UsersFile {
  const f = raw as UsersFile;
  if (!f || typeof f !== "object" || !Array.isArray(f.users) || f.users.length === 0) throw new Error('the users file needs "users": [{"name", "password", "groups"}]');
  f.users.forEach((u, i) => {
    if (!u || typeof u.name !== "string" || typeof u.password !== "string") throw new Error(`users[${i}] needs a name and a password`);
    if (u.groups !== undefined && !(Array.isArray(u.groups) && u.groups.every((g) => typeof g === "string"))) throw new Error(`users[${i}].groups must be a list of group names`);
  });
  return f;
}

export interface TokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token?: string;
  id_token: string;
  token_type: "Bearer";
}
/** An OAuth2 error answer: `{error, error_description}`. */
export class OAuthError extends Error {
  constructor(readonly error: string, readonly description: string) {
    super(description);
  }
}

const AUDIENCE = "rs_esxcloud";
const ISSUER = "https://lightwave.vicsim/openidconnect";

export class TokenIssuer {
  readonly domain: string;
  private constructor(
    private readonly file: UsersFile,
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
  ) {
    this.domain = file.domain ?? "esxcloud";
  }

  /** A signing key pair: the stored one (tokens outlive a restart) or a new one (`saveKey` keeps it). */
  static async create(file: UsersFile, storedKey?: JWK, saveKey?: (k: JWK) => void): Promise<TokenIssuer> {
    if (storedKey) {
      const priv = (await importJWK(storedKey, "RS256")) as CryptoKey;
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = storedKey;
      return new TokenIssuer(file, priv, (await importJWK(pub, "RS256")) as CryptoKey);
    }
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    saveKey?.(await exportJWK(privateKey));
    return new TokenIssuer(file, privateKey, publicKey);
  }

  get sharedSecret(): string | undefined {
    return this.file.sharedSecret;
  }

  /** Answers a token request body (form-encoded). */
  async grant(form: URLSearchParams): Promise<TokenResponse> {
    const grant = form.get("grant_type");
    if (grant === "password") {
      const username = form.get("username") ?? "";
      const [name, domain] = username.split("@");
      const user = this.file.users.find((u) => u.name === name);
      if (!user || user.password !== (form.get("password") ?? "") || (domain !== undefined && domain.toLowerCase() !== this.domain.toLowerCase())) {
        throw new OAuthError("invalid_grant", "Incorrect username or password");
      }
      return this.issue(user.name, user.groups ?? [], (form.get("scope") ?? "").includes("offline_access"));
    }
    if (grant === "refresh_token") {
      const token = form.get("refresh_token") ?? "";
      try {
        const { payload } = await jwtVerify(token, this.publicKey, { audience: AUDIENCE, issuer: ISSUER });
        if (payload.token_class !== "refresh_token") throw new Error("not a refresh token");
        const name = String(payload.sub).split("@")[0];
        const user = this.file.users.find((u) => u.name === name);
        if (!user) throw new Error("no such user");
        return this.issue(user.name, user.groups ?? [], false, token);
      } catch {
        throw new OAuthError("invalid_grant", "Invalid or expired refresh token");
      }
    }
    throw new OAuthError("unsupported_grant_type", `grant_type ${grant ?? "(missing)"} is not supported: use password or refresh_token`);
  }

  private async issue(name: string, groups: string[], withRefresh: boolean, refresh?: string): Promise<TokenResponse> {
    const ttl = this.file.tokenLifetimeSeconds ?? 3600;
    const sub = `${name}@${this.domain}`;
    const claims = { groups: groups.map((g) => (g.includes("\\") ? g : `${this.domain}\\${g}`)), token_class: "access_token", token_type: "Bearer" };
    const sign = (c: Record<string, unknown>, seconds: number) =>
      new SignJWT(c).setProtectedHeader({ alg: "RS256" }).setSubject(sub).setAudience([AUDIENCE]).setIssuer(ISSUER).setIssuedAt().setJti(crypto.randomUUID()).setExpirationTime(Math.floor(Date.now() / 1000) + seconds).sign(this.privateKey);
    const out: TokenResponse = {
      access_token: await sign(claims, ttl),
      expires_in: ttl,
      id_token: await sign({ token_class: "id_token" }, ttl),
      token_type: "Bearer",
    };
    if (withRefresh) out.refresh_token = await sign({ token_class: "refresh_token" }, 8 * 3600);
    else if (refresh) out.refresh_token = refresh;
    return out;
  }

  /** The caller of a bearer token: 401 InvalidAuthToken or ExpiredAuthToken when it is not good. */
  async verify(token: string): Promise<Caller> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, { audience: AUDIENCE, issuer: ISSUER });
      if (payload.token_class !== "access_token") throw new Error("not an access token");
      const sub = String(payload.sub);
      const groups = (Array.isArray(payload.groups) ? payload.groups.map((g) => String(g).replace(/"/g, "")) : []) as string[];
      return { user: sub, groups: [...groups, `${this.domain}\\${sub.split("@")[0]}`] };
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw new ApiError(401, "ExpiredAuthToken", "Auth token has expired");
      throw new ApiError(401, "InvalidAuthToken", "Auth token is invalid");
    }
  }
}
