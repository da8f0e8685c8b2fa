// The service worker of the installable app (served at /sw.js by casework.offline.views).
// It keeps the application's own shell and assets, and nothing else: no page of a case, no
// answer from the server about anyone. Taken cases live only encrypted in IndexedDB.
"use strict";
var CACHE = "{{ cache_name }}";
var SHELL = {{ shell|safe }};
var HOME = {{ home|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return Promise.all(
        SHELL.map(function (url) {
          return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
            // Only the page itself: never a login page it was redirected to.
            if (response.ok && !response.redirected) return cache.put(url, response);
          });
        })
      );
    }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(
        names.filter(function (name) { return name !== CACHE; }).map(function (name) { return caches.delete(name); })
      );
    }).then(function () {
      return self.clients.claim();
    })
  );
});

function isShell(url) {
  return url.origin === self.location.origin && SHELL.indexOf(url.pathname) !== -1;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (isShell(url) && url.pathname === HOME) {
    // The shell: fresh when online (its words in the current language), kept for offline.
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.ok && !response.redirected) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(HOME, copy); });
        }
        return response;
      }, function () {
        return caches.match(HOME);
      })
    );
    return;
  }
  if (isShell(url)) {
    event.respondWith(
      caches.match(url.pathname).then(function (hit) {
        return hit || fetch(request);
      })
    );
    return;
  }
  if (request.mode === "navigate") {
    // Any other page: from the network only. Offline, the shell answers instead; the
    // page asked for is never stored.
    event.respondWith(
      fetch(request).catch(function () {
        return caches.match(HOME).then(function (hit) {
          return hit || Response.error();
        });
      })
    );
  }
});
