import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookProvider } from '../config-webhooks.ts';

/** One ref a push moved: the full ref name and the commit it now points at (undefined when deleted). */
export interface RefChange {
  ref: string;
  after: string | undefined;
}

/** A push: the repository (every URL the host names it by) and the refs it moved. */
export interface PushEvent {
  kind: 'push';
  repoUrls: string[];
  changes: RefChange[];
}

/** A pull (merge) request opened, updated or closed, with its head commit and the branch it targets. */
export interface PullRequestEvent {
  kind: 'pull-request';
  repoUrls: string[];
  number: number;
  action: 'opened' | 'updated' | 'closed' | 'merged' | 'other';
  headSha: string;
  /** Branch name of the head (`feature/x`). */
  headRef: string;
  /** Branch name the request merges into (`main`). */
  baseRef: string;
}

/** The host testing the endpoint (GitHub `ping`, Bitbucket Data Center `diagnostics:ping`). */
export interface PingEvent {
  kind: 'ping';
}

/** Any other event the host sends (issues, comments, …): acknowledged, nothing done. */
export interface OtherEvent {
  kind: 'other';
  event: string;
}

/** What a delivery says, as parsed by its provider. */
export type WebhookEvent = PushEvent | PullRequestEvent | PingEvent | OtherEvent;

/** The verified secret of a receiver: the key or token, plus the basic-auth user for Azure DevOps. */
export interface ReceiverSecret {
  value: Buffer;
  username: string | undefined;
}

/** A delivery as read off the wire: headers (lowercase names) and the raw body. */
export interface WebhookRequest {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** How one Git host signs, identifies and describes its deliveries. */
export interface WebhookParser {
  provider: WebhookProvider;
  /** Whether the delivery carries valid credentials for `secret` (constant-time). */
  verify(req: WebhookRequest, secret: ReceiverSecret): boolean;
  /** The decoded JSON payload; throws on a body that is not the host's format. */
  payload(req: WebhookRequest): unknown;
  /** The host's id of this delivery (stable across its retries where the host has one). */
  deliveryId(req: WebhookRequest, payload: unknown): string | undefined;
  /** What the delivery says. */
  parse(req: WebhookRequest, payload: unknown): WebhookEvent;
}
