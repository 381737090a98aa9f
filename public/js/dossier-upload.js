// The dossier upload with a progress bar (views/admin/dossiers.ejs). Without this script the form posts as usual;
// with it, the same request goes through XMLHttpRequest so the upload's progress can be shown, then the server's
// own progress (checking, writing, recounting: /admin/dossiers/imports/<id>/progress, under an id this page makes
// up), and the browser then opens the page the server redirected to (the import's result).
(function () {
  var form = document.getElementById('dossier-upload');
  if (!form || !window.FormData || !window.XMLHttpRequest || !window.crypto || !window.crypto.getRandomValues) return;
  var bar = document.getElementById('upload-progress');
  var status = document.getElementById('upload-status');
  var show = function (percent, text) {
    bar.hidden = false;
    if (percent === null) bar.removeAttribute('value');
    else bar.value = percent;
    status.textContent = text;
  };
  var newId = function () {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? '0' : '') + b.toString(16); }).join('');
  };
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var id = newId();
    var polling = null;
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action + (form.action.indexOf('?') < 0 ? '?' : '&') + 'progress=' + id);
    xhr.upload.addEventListener('progress', function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.round((100 * e.loaded) / e.total);
      show(percent, form.getAttribute('data-uploading') + ' ' + percent + '%');
    });
    // Once the file is sent, the server's side: asked every second until the request answers.
    xhr.upload.addEventListener('load', function () {
      polling = window.setInterval(function () {
        var ask = new XMLHttpRequest();
        ask.open('GET', '/admin/dossiers/imports/' + id + '/progress');
        ask.addEventListener('load', function () {
          if (ask.status !== 200) return;
          var p = JSON.parse(ask.responseText);
          var text = (form.getAttribute('data-' + p.phase) || '').replace('{written}', p.written).replace('{total}', p.total);
          show(p.phase === 'writing' && p.total ? Math.round((100 * p.written) / p.total) : null, text);
        });
        ask.send();
      }, 1000);
    });
    xhr.addEventListener('loadend', function () {
      if (polling) window.clearInterval(polling);
    });
    xhr.addEventListener('load', function () {
      if (xhr.responseURL && xhr.status < 400) {
        window.location.assign(xhr.responseURL);
      } else {
        document.open();
        document.write(xhr.responseText);
        document.close();
      }
    });
    xhr.addEventListener('error', function () {
      form.submit();
    });
    form.querySelector('button[type=submit]').disabled = true;
    xhr.send(new FormData(form));
  });
})();
