/*
 * The kiosk keeps its ratings when the network drops (issue #29). Each tap is queued in IndexedDB with the time it
 * was given and a form token of its own, taken from a batch the page fetched while online (`/k/:code/tokens`), and
 * sent by this page as soon as the network answers: on the `online` event, every few seconds, and at each load. The
 * token's id becomes the answer's id, so a rating sent twice (a retry, two tabs) is stored once. Nothing is lost to
 * a reload, a closed tab or a new service worker: the queue lives in IndexedDB, not in the worker. Without scripts,
 * or without IndexedDB, the form posts as it always did.
 */
(function () {
  'use strict';
  var form = document.querySelector('form[data-kiosk]');
  if (!form || !window.indexedDB || !window.fetch || !window.URLSearchParams) return;
  var code = form.getAttribute('data-code');
  var status = document.getElementById('kiosk-queue');
  var thanks = document.getElementById('kiosk-thanks');
  var missing = document.getElementById('kiosk-missing');
  var pageToken = form.querySelector('input[name="_token"]');
  var RETRY_MS = 5000;
  /** How often an online kiosk checks whether its tokens are due for replacement (tokensDue). */
  /** How often an online kiosk checks whether its tokens are due for replacement (tokensDue). */
  var REFILL_MS = 10 * 60 * 1000;
  /** A token this close to the end of its life is not used for a new rating: it would expire in the queue. */
  var MARGIN_MS = 10 * 60 * 1000;

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/k/sw.js', { scope: '/k/' }).catch(function () {});
  }
  // The page keeps itself for the times it is opened offline (the worker serves it from here).
  if (window.caches) {
    window.caches
      .open('kiosk-pages')
      .then(function (cache) {
        return cache.add(location.pathname);
      })
      .catch(function () {});
  }

  var dbPromise = new Promise(function (resolve, reject) {
    var open = indexedDB.open('hailong-kiosk', 1);
    open.onupgradeneeded = function () {
      var db = open.result;
      db.createObjectStore('queue', { keyPath: 'id' });
      db.createObjectStore('tokens', { keyPath: 'token' });
      db.createObjectStore('counts', { keyPath: 'key' });
    };
    open.onsuccess = function () {
      resolve(open.result);
    };
    open.onerror = function () {
      reject(open.error);
    };
  });

  /** Runs `work` in one transaction over `stores`; resolves with what `work` returns once the transaction is done. */
  function inTransaction(stores, mode, work) {
    return dbPromise.then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(stores, mode);
        var result;
        tx.oncomplete = function () {
          resolve(result);
        };
        tx.onerror = tx.onabort = function () {
          reject(tx.error);
        };
        work(tx, function (value) {
          result = value;
        });
      });
    });
  }

  function all(store) {
    return inTransaction([store], 'readonly', function (tx, done) {
      var request = tx.objectStore(store).getAll();
      request.onsuccess = function () {
        done(request.result);
      };
    });
  }

  /** Takes one token of this kiosk with life left, dropping the expired ones it meets; undefined when none. */
  function takeToken() {
    return inTransaction(['tokens'], 'readwrite', function (tx, done) {
      var store = tx.objectStore('tokens');
      var cursor = store.openCursor();
      cursor.onsuccess = function () {
        var at = cursor.result;
        if (!at) return done(undefined);
        var kept = at.value;
        if (kept.code === code && kept.expiresAt - MARGIN_MS > Date.now()) {
          at.delete();
          return done(kept.token);
        }
        if (kept.expiresAt - MARGIN_MS <= Date.now()) at.delete();
        at.continue();
      };
    });
  }

  function addRefused(n) {
    return inTransaction(['counts'], 'readwrite', function (tx) {
      var store = tx.objectStore('counts');
      var get = store.get(code);
      get.onsuccess = function () {
        store.put({ key: code, refused: ((get.result && get.result.refused) || 0) + n });
      };
    });
  }

  /** "3 đánh giá chờ gửi", and the ratings refused on arrival, if any. */
  function showCounts() {
    return Promise.all([all('queue'), all('counts')]).then(function (found) {
      var waiting = found[0].filter(function (item) {
        return item.code === code;
      }).length;
      var counts = found[1].filter(function (c) {
        return c.key === code;
      })[0];
      var refused = (counts && counts.refused) || 0;
      var parts = [];
      if (waiting) parts.push(status.getAttribute('data-waiting').replace('{n}', waiting));
      if (refused) parts.push(status.getAttribute('data-refused').replace('{n}', refused));
      status.textContent = parts.join(' · ');
      status.hidden = parts.length === 0;
      status.setAttribute('data-waiting-count', String(waiting));
      status.setAttribute('data-refused-count', String(refused));
    });
  }

  var sending = false;
  /** Sends the queue, oldest first, until it is empty or the network or the server says "later". */
  function flush() {
    if (sending) return Promise.resolve();
    sending = true;
    return all('queue')
      .then(function (items) {
        items.sort(function (a, b) {
          return a.givenAt - b.givenAt;
        });
        var next = function (i) {
          if (i >= items.length) return Promise.resolve();
          var item = items[i];
          return fetch('/k/' + item.code, {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: item.body + '&sent_at=' + Date.now(),
            redirect: 'manual',
            credentials: 'same-origin',
          }).then(function (response) {
            var stored = response.type === 'opaqueredirect' || (response.status >= 200 && response.status < 400);
            // Too many at once, or the server unwell: the rest waits for the next round.
            if (!stored && (response.status === 429 || response.status >= 500 || response.status === 0)) return;
            return inTransaction(['queue'], 'readwrite', function (tx) {
              tx.objectStore('queue').delete(item.id);
            })
              .then(function () {
                // Refused on arrival (its token expired, the link closed): counted on the screen, never dropped silently.
                if (!stored) return addRefused(1);
              })
              .then(function () {
                return next(i + 1);
              });
          });
        };
        return next(0);
      })
      .catch(function () {
        // The network is down: the queue stays as it is.
      })
      .then(function () {
        sending = false;
        return showCounts();
      });
  }

  /**
   * Whether this kiosk's tokens should be replaced: fewer than half a batch left, or the batch older than the
   * server's `refreshAfterMs` (6 hours), so that going offline still leaves a day's worth of life.
   */
  function tokensDue() {
    return all('tokens').then(function (tokens) {
      var mine = tokens.filter(function (t) {
        return t.code === code;
      });
      var half = mine.length && mine[0].batch ? mine[0].batch / 2 : 1;
      return (
        mine.length < half ||
        mine.some(function (t) {
          return !(t.refreshAt > Date.now());
        })
      );
    });
  }

  /** A fresh batch of tokens while online, when due, replacing this kiosk's older ones. */
  function refill() {
    return tokensDue()
      .then(function (due) {
        if (!due) return undefined;
        return fetch('/k/' + code + '/tokens', { credentials: 'same-origin', cache: 'no-store' }).then(function (response) {
          return response.ok ? response.json() : undefined;
        });
      })
      .then(function (batch) {
        if (!batch || !batch.tokens) return;
        var kept = {
          code: code,
          expiresAt: batch.issuedAt + batch.validForMs,
          refreshAt: batch.issuedAt + batch.refreshAfterMs,
          batch: batch.tokens.length,
        };
        return inTransaction(['tokens'], 'readwrite', function (tx) {
          var store = tx.objectStore('tokens');
          var cursor = store.openCursor();
          cursor.onsuccess = function () {
            var at = cursor.result;
            if (at) {
              if (at.value.code === code) at.delete();
              at.continue();
              return;
            }
            batch.tokens.forEach(function (token) {
              store.put({ token: token, code: kept.code, expiresAt: kept.expiresAt, refreshAt: kept.refreshAt, batch: kept.batch });
            });
          };
        });
      })
      .catch(function () {});
  }

  function requiredAnswered() {
    var groups = {};
    Array.prototype.forEach.call(form.querySelectorAll('input[type="radio"][required]'), function (input) {
      groups[input.name] = true;
    });
    return Object.keys(groups).every(function (name) {
      return form.querySelector('input[name="' + name + '"]:checked');
    });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!requiredAnswered()) {
      missing.hidden = false;
      missing.focus();
      return;
    }
    missing.hidden = true;
    var body = new URLSearchParams(new FormData(form));
    var givenAt = Date.now();
    takeToken()
      .then(function (token) {
        // The page's own token serves once when the batch has run out.
        if (!token && pageToken.value) {
          token = pageToken.value;
          pageToken.value = '';
        }
        if (!token) return addRefused(1);
        body.set('_token', token);
        body.set('given_at', String(givenAt));
        return inTransaction(['queue'], 'readwrite', function (tx) {
          tx.objectStore('queue').put({ id: token, code: code, body: body.toString(), givenAt: givenAt });
        });
      })
      .then(function () {
        form.reset();
        thanks.hidden = false;
        setTimeout(function () {
          thanks.hidden = true;
        }, 2500);
        return showCounts();
      })
      .then(flush);
  });

  window.addEventListener('online', function () {
    flush().then(refill);
  });
  setInterval(flush, RETRY_MS);
  setInterval(refill, REFILL_MS);
  showCounts().then(flush).then(refill);
})();
