/** `GET /api/v1/sources/health`: ingest feed health as workers last reported it (operators/admins only; 403 otherwise). */
import type { FeedHealth } from '@shared/feed-state';
import { feedsResponse } from '@shared/rest';
import { checked, getJson } from './http';

const feedHealthSchema = feedsResponse.shape.feeds.element;

/** Whether `x` is a feed as the contract describes it (for entries pushed on the socket). */
export function isFeedHealth(x: unknown): x is FeedHealth {
  return feedHealthSchema.safeParse(x).success;
}

/** The feeds of a `{ feeds: [...] }` answer, as the contract describes them. */
export function feedList(x: unknown): FeedHealth[] {
  return checked('/api/v1/sources/health', feedsResponse, x).feeds;
}

export async function fetchFeedHealth(token: string, signal?: AbortSignal): Promise<FeedHealth[]> {
  return (await getJson('/api/v1/sources/health', feedsResponse, { Authorization: `Bearer ${token}` }, signal)).feeds;
}
