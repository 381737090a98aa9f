/*
 * The kiosk's service worker (issue #29), served at /k/sw.js so it controls the kiosk pages under /k/. It keeps
 * the kiosk page and its assets so the page opens with the network down. It holds no rating: the page queues
 * them in IndexedDB and sends them itself, so a new version of this worker, or none, never drops one.
 */
'use strict';

/** The assets, by version: a new worker brings its own and drops the older ones. */
var ASSETS_CACHE = 'kiosk-assets-v1';
var ASSETS = ['/static/css/app.css', '/static/js/kiosk.js'];
/** The kiosk pages, under a name no version changes (the page puts itself here once it has loaded). */
var PAGES_CACHE = 'kiosk-pages';
var KIOSK_PAGE = /^\/k\/[A-Za-z0-9_-]+$/;

self.addEventListener('install', function (event) {
  event.waitUntil(
    caches
      .open(ASSETS_CACHE)
      .then(function (cache) {
        return cache.addAll(ASSETS);
      })
      .then(function () {
        return self.skipWaiting();
      }),
  );
});

self.addEventListener('activate', function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf('kiosk-assets-') === 0 && name !== ASSETS_CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            }),
        );
      })
      .then(function () {
        return self.clients.claim();
      }),
  );
});

/** The network first, so an online kiosk always shows the current page; what was kept when it fails. */
function networkFirst(request, cacheName, key) {
  return fetch(request)
    .then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(cacheName).then(function (cache) {
          return cache.put(key, copy);
        });
      }
      return response;
    })
    .catch(function () {
      return caches.match(key).then(function (kept) {
        return kept || Response.error();
      });
    });
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  // Posts (the ratings) always go to the network: the page keeps what could not be sent.
  if (request.method !== 'GET') return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (KIOSK_PAGE.test(url.pathname) && !url.search) {
    event.respondWith(networkFirst(request, PAGES_CACHE, url.pathname));
  } else if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(networkFirst(request, ASSETS_CACHE, url.pathname));
  }
});
