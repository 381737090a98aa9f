// The dossier upload with a progress bar (views/admin/dossiers.ejs). Without this script the form posts as usual;
// with it, the same request goes through XMLHttpRequest so the upload's progress can be shown, and the browser
// then opens the page the server redirected to (the import's result).
(function () {
  var form = document.getElementById('dossier-upload');
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var bar = document.getElementById('upload-progress');
  var status = document.getElementById('upload-status');
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.upload.addEventListener('progress', function (e) {
      if (!e.lengthComputable) return;
      bar.hidden = false;
      bar.value = Math.round((100 * e.loaded) / e.total);
      status.textContent = form.getAttribute('data-uploading') + ' ' + bar.value + '%';
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
