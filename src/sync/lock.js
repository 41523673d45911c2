// A lock shared by every tab of the app (Web Locks API), so that two tabs never sync at the same
// time: each reads the queue, pushes it and stores the answer while holding it. Where the API is
// missing (old Android WebViews), there is no lock and the promise resolves with null.

// Resolves, once the lock `name` is granted, with a function that releases it. The lock is held
// until that function is called (or the page goes away).
export function acquireLock(name) {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks || typeof locks.request !== 'function') return Promise.resolve(null);
  return new Promise((granted, failed) => {
    locks.request(name, () => new Promise((release) => granted(() => release()))).catch(failed);
  });
}
