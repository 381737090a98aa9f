/*
 * A survey form that survives a dropped connection (issue #29, item 3). With scripts, the form is sent by fetch:
 * when the network fails, the answers stay on the phone (localStorage, until they are sent), the page says so, and
 * they are sent again as soon as the network returns or when the person taps "Gửi lại". The form token travels
 * with them, so however often they are sent, one answer is stored. Any answer from the server other than the
 * thank-you page (422, 429, 503) is left to the browser: the form is posted the usual way and the server's page
 * shows, as it does without scripts.
 */
(function () {
  'use strict';
  var form = document.querySelector('form[data-retry]');
  if (!form || !window.fetch || !window.URLSearchParams || !window.localStorage) return;
  var notice = document.getElementById('form-offline');
  var again = document.getElementById('form-retry');
  var action = form.getAttribute('action');
  var key = 'hailong-form:' + action;
  var sending = false;

  function kept() {
    try {
      return localStorage.getItem(key);
    } catch (error) {
      return null;
    }
  }

  function keep(body) {
    try {
      localStorage.setItem(key, body);
    } catch (error) {
      // Storage full or refused: the answers stay in the page as long as it is open.
    }
  }

  function forget() {
    try {
      localStorage.removeItem(key);
    } catch (error) {}
  }

  function showOffline() {
    notice.hidden = false;
    notice.focus();
  }

  /** Sends `body`; the thank-you page on success, the server's own page for any refusal, the notice when offline. */
  function send(body) {
    if (sending) return;
    sending = true;
    fetch(action, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body + '&sent_at=' + Date.now(),
      redirect: 'manual',
      credentials: 'same-origin',
    })
      .then(function (response) {
        sending = false;
        if (response.type === 'opaqueredirect' || response.status === 303) {
          forget();
          location.assign(action + '/thanks');
          return;
        }
        forget();
        fallBack(body);
      })
      .catch(function () {
        sending = false;
        keep(body);
        showOffline();
      });
  }

  /** Posts the answers the usual way, so the server's page (errors beside the fields, 429, 503) shows. */
  function fallBack(body) {
    var post = document.createElement('form');
    post.method = 'post';
    post.action = action;
    post.acceptCharset = 'utf-8';
    new URLSearchParams(body).forEach(function (value, name) {
      var input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = value;
      post.appendChild(input);
    });
    document.body.appendChild(post);
    HTMLFormElement.prototype.submit.call(post);
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var body = new URLSearchParams(new FormData(form));
    body.set('given_at', String(Date.now()));
    send(body.toString());
  });

  again.addEventListener('click', function () {
    var body = kept();
    if (body) send(body);
  });

  window.addEventListener('online', function () {
    var body = kept();
    if (body) send(body);
  });

  // Answers left from an earlier visit that could not be sent: said, and sent as soon as possible.
  if (kept()) {
    showOffline();
    send(kept());
  }
})();
