/** The state main hands to post: the cache entries to save. */
export const STATE_SAVES = 'saves';
