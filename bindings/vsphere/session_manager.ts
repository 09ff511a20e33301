/**
 * SessionManager and the sessions it keeps: Login sets the `vmware_soap_session` cookie, every call
 * then names its session by that cookie. A session owns what it creates (property collectors,
 * filters, views, event collectors), its filters on the shared root collector and its paging tokens.
 */
import { ManagedObject, type Ctx, type Getter, type Method } from "./managed.js";
import { textOf } from "./soap.js";
import { Arr, VimFault, type DataObject, type Ref } from "./values.js";
import type { Collected, CollectorState } from "./property_collector.js";

export class Session {
  lastActive: number;
  callCount = 0;
  /** Refs (`type:id`) of the objects this session created. */
  readonly owned = new Set<string>();
  /** This session's filters and versions on the shared root PropertyCollector. */
  rootCollector: CollectorState | null = null;
  /** RetrievePropertiesEx results still to read, by token, with the page size the first call asked for. */
  readonly pages = new Map<string, { rest: Collected[]; max: number }>();
  constructor(
    readonly key: string,
    readonly userName: string,
    readonly loginTime: number,
    readonly locale: string,
    readonly userAgent: string,
    readonly ipAddress: string,
  ) {
    this.lastActive = loginTime;
  }
  toData(): DataObject {
    return {
      _type: "UserSession",
      key: this.key,
      userName: this.userName,
      fullName: this.userName,
      loginTime: new Date(this.loginTime),
      lastActiveTime: new Date(this.lastActive),
      locale: this.locale,
      messageLocale: this.locale,
      extensionSession: false,
      ipAddress: this.ipAddress,
      userAgent: this.userAgent,
      callCount: this.callCount,
    };
  }
}

/** Who may log in: both set = only that pair; otherwise any user and password (as vcsim). */
export interface Credentials {
  user?: string;
  password?: string;
}

export class SessionManager extends ManagedObject {
  readonly getters: Record<string, Getter<SessionManager>> = sessionGetters;
  override readonly methods: Record<string, Method<SessionManager>> = sessionMethods;
  readonly sessions = new Map<string, Session>();
  constructor(
    ref: Ref,
    readonly credentials: Credentials,
  ) {
    super(ref);
  }
}

const sessionGetters: Record<string, Getter<SessionManager>> = {
  currentSession: (_o, ctx) => ctx.session?.toData(),
  sessionList: (o) => new Arr("UserSession", [...o.sessions.values()].map((s) => s.toData())),
  defaultLocale: () => "en",
  supportedLocaleList: () => new Arr("String", ["en"]),
  message: () => undefined,
  messageLocaleList: () => new Arr("String", ["en"]),
};

const sessionMethods: Record<string, Method<SessionManager>> = {
  Login: (o, args, ctx: Ctx) => {
    const user = textOf(args, "userName") ?? "";
    const password = textOf(args, "password") ?? "";
    const { user: want, password: wantPassword } = o.credentials;
    if (!user || (want !== undefined && (user !== want || password !== wantPassword))) {
      throw new VimFault("InvalidLogin", "Cannot complete login due to an incorrect user name or password.");
    }
    const s = new Session(crypto.randomUUID(), user, ctx.server.vch.now(), textOf(args, "locale") || "en_US", ctx.userAgent ?? "", ctx.ip ?? "127.0.0.1");
    s.callCount = 1;
    o.sessions.set(s.key, s);
    ctx.session = s;
    ctx.server.changed();
    return s.toData();
  },
  Logout: (o, _args, ctx) => {
    if (ctx.session) {
      ctx.server.endSession(ctx.session);
      o.sessions.delete(ctx.session.key);
      ctx.session = null;
      ctx.server.changed();
    }
    return undefined;
  },
  SessionIsActive: (o, args) => o.sessions.has(textOf(args, "sessionID") ?? ""),
};
