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

// Local storage is not read-your-peer's-writes in Chromium: a tab's cached copy learns another
// tab's write a little later, and the sync lock can reach it first. So each tab announces every
// write's number here, and the next lock holder waits until its copy has caught up with the
// highest number announced before it reads the queue.
let channel = null;
let announced = 0;

function listen() {
  if (channel !== null || typeof BroadcastChannel === 'undefined') return;
  channel = new BroadcastChannel('linli-state');
  channel.onmessage = (event) => {
    if (typeof event.data === 'number' && event.data > announced) announced = event.data;
  };
}

// Starts listening (call once at start, so no announcement is missed).
export function listenForWrites() {
  listen();
}

export function announceWrite(number) {
  listen();
  if (number > announced) announced = number;
  if (channel !== null) channel.postMessage(number);
}

export function announcedWrites() {
  return announced;
}

// Resolves after `ms` milliseconds.
export function pause(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
