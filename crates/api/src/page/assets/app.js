// portrait's page: sign in with a bearer token, pick a photo, crop it, upload it.
// Plain browser JavaScript with no build step; it uses the public API like any client.
'use strict';

(() => {
  const TOKEN_KEY = 'portrait.token';
  // The renditions shown after an upload (portrait's default square sizes).
  const SIZES = [648, 288, 96, 48];
  const PEOPLE_PER_PAGE = 10;
  // The smallest crop box, in image pixels: smaller squares would only be upscaled mush.
  const MIN_CROP = 16;

  const $ = (id) => document.getElementById(id);
  const el = {
    error: $('error'),
    status: $('status'),
    signIn: $('sign-in'),
    signInForm: $('sign-in-form'),
    token: $('token'),
    signedIn: $('signed-in'),
    signedInName: $('signed-in-name'),
    signOut: $('sign-out'),
    editor: $('editor'),
    photo: $('photo'),
    subjectName: $('subject-name'),
    subjectHeadline: $('subject-headline'),
    backToMe: $('back-to-me'),
    dropzone: $('dropzone'),
    file: $('file'),
    chosen: $('chosen'),
    chosenName: $('chosen-name'),
    noPreview: $('no-preview'),
    stage: $('stage'),
    preview: $('preview'),
    crop: $('crop'),
    cropHelp: $('crop-help'),
    cropValues: $('crop-values'),
    upload: $('upload'),
    uploadActions: $('upload-actions'),
    dangerZone: $('danger-zone'),
    cancel: $('cancel'),
    progress: $('progress'),
    renditions: $('renditions'),
    del: $('delete'),
    people: $('people'),
    peopleList: $('people-list'),
    peoplePrev: $('people-prev'),
    peopleNext: $('people-next'),
    peoplePage: $('people-page'),
    confirm: $('confirm'),
    confirmText: $('confirm-text'),
  };

  const state = {
    token: null,
    me: null,
    admin: false,
    subject: null,
    file: null,
    objectUrl: null,
    image: null, // natural (upright) size of the preview: { w, h }
    crop: null, // { x, y, w } in pixels of the upright image
    touched: false, // untouched, no crop box is sent and the server frames the photo
    drag: null,
    busy: false,
    page: 1,
    pageCount: 1,
  };

  class ApiFailure extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  // ---- messages ------------------------------------------------------------------------------

  // Messages appear next to what they are about (after `near`), else at the top of the page.
  function place(message, near) {
    if (near) near.after(message);
    else document.querySelector('main').prepend(message);
  }

  function showError(message, near = null) {
    place(el.error, near);
    el.error.textContent = message;
    if (message) el.status.textContent = '';
  }

  function showStatus(message, near = null) {
    place(el.status, near);
    el.status.textContent = message;
  }

  function clearMessages() {
    el.error.textContent = '';
    el.status.textContent = '';
  }

  // Kantata's errors are {"errors": [{"type", "message"}]}; the first one says what happened.
  function messageOf(status, body) {
    const first = body && Array.isArray(body.errors) ? body.errors[0] : null;
    const said = first && typeof first.message === 'string' ? first.message : '';
    if (status === 413) {
      return `This file is too large for the server: ${said || 'it is over the upload limit'}.`;
    }
    if (said) return said.charAt(0).toUpperCase() + said.slice(1);
    return `The server answered ${status}; please try again.`;
  }

  function parseJson(text) {
    try {
      return text ? JSON.parse(text) : null;
    } catch {
      return null;
    }
  }

  // ---- the API -------------------------------------------------------------------------------

  async function api(method, path) {
    let response;
    try {
      response = await fetch(path, {
        method,
        headers: { Authorization: `Bearer ${state.token}`, Accept: 'application/json' },
      });
    } catch {
      throw new ApiFailure(0, 'The server could not be reached. Check the connection and try again.');
    }
    const body = parseJson(await response.text());
    if (!response.ok) throw new ApiFailure(response.status, messageOf(response.status, body));
    return body;
  }

  // The records of a Kantata envelope, in the order of its `results`.
  function recordsOf(body) {
    if (!body || !Array.isArray(body.results)) return [];
    return body.results
      .map((result) => body[result.key] && body[result.key][result.id])
      .filter(Boolean);
  }

  function sized(photoPath, size) {
    const url = new URL(photoPath, location.href);
    url.searchParams.set('size', String(size));
    return url.href;
  }

  // ---- signing in ----------------------------------------------------------------------------

  // A sign-in link carries the token in the fragment (never sent to the server, nor in logs);
  // it moves to this tab's sessionStorage and leaves the address bar at once.
  function takeTokenFromLink() {
    const fragment = new URLSearchParams(location.hash.slice(1));
    const token = fragment.get('token');
    if (token) {
      sessionStorage.setItem(TOKEN_KEY, token);
      fragment.delete('token');
      const rest = fragment.toString();
      history.replaceState(null, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function showSignIn() {
    el.signIn.hidden = false;
    el.editor.hidden = true;
    el.people.hidden = true;
    el.signedIn.hidden = true;
    el.token.value = '';
    el.token.focus();
  }

  async function start() {
    state.token = takeTokenFromLink();
    if (!state.token) {
      showSignIn();
      return;
    }
    let body;
    try {
      body = await api('GET', '/api/v1/users/me?include=account_membership');
    } catch (failure) {
      if (failure.status === 401) {
        sessionStorage.removeItem(TOKEN_KEY);
        state.token = null;
        showSignIn();
        showError(`${failure.message.replace(/\.$/, '')}. Check the token and sign in again.`);
      } else {
        showError(failure.message);
      }
      return;
    }
    const [me] = recordsOf(body);
    if (!me) {
      showError('The server did not say who you are.');
      return;
    }
    const memberships = body.account_memberships || {};
    const membership = me.account_membership_id ? memberships[me.account_membership_id] : null;
    state.me = me;
    state.admin = Boolean(membership && membership.is_administrator === true);
    el.signIn.hidden = true;
    el.signedIn.hidden = false;
    el.signedInName.textContent = `Signed in as ${me.full_name}`;
    const wanted = new URLSearchParams(location.search).get('user');
    if (wanted && wanted !== String(me.id)) {
      await openUser(wanted);
    } else {
      showSubject(me);
    }
    if (state.admin) await loadPeople(1);
  }

  async function openUser(id) {
    try {
      const [user] = recordsOf(await api('GET', `/api/v1/users/${encodeURIComponent(id)}`));
      if (user) {
        showSubject(user);
        return;
      }
    } catch (failure) {
      showError(failure.message);
    }
    showSubject(state.me);
  }

  // ---- whose photo ---------------------------------------------------------------------------

  function showSubject(user) {
    state.subject = user;
    el.editor.hidden = false;
    el.subjectName.textContent = user.full_name;
    el.subjectHeadline.textContent = user.headline || '';
    const mine = state.me && String(user.id) === String(state.me.id);
    el.backToMe.hidden = mine;
    showPhoto(user);
    el.renditions.hidden = true;
    el.progress.hidden = true;
    discardChoice();
    const search = mine ? '' : `?user=${encodeURIComponent(user.id)}`;
    history.replaceState(null, '', location.pathname + search + location.hash);
    markCurrentPerson();
  }

  function showPhoto(user) {
    el.photo.src = sized(user.photo_path, 288);
    el.photo.alt = `Current profile photo of ${user.full_name}`;
  }

  async function refreshSubject() {
    const [user] = recordsOf(await api('GET', `/api/v1/users/${encodeURIComponent(state.subject.id)}`));
    if (user) {
      state.subject = user;
      showPhoto(user);
    }
    return user;
  }

  // ---- choosing a file -----------------------------------------------------------------------

  function discardChoice() {
    if (state.objectUrl) URL.revokeObjectURL(state.objectUrl);
    state.file = null;
    state.objectUrl = null;
    state.image = null;
    state.crop = null;
    state.touched = false;
    el.file.value = '';
    el.chosen.hidden = true;
    el.stage.hidden = true;
    el.cropHelp.hidden = true;
    el.noPreview.hidden = true;
    el.cropValues.textContent = '';
    el.upload.disabled = true;
    el.preview.removeAttribute('src');
  }

  function choose(file) {
    if (!file || state.busy) return;
    clearMessages();
    discardChoice();
    state.file = file;
    state.objectUrl = URL.createObjectURL(file);
    el.chosen.hidden = false;
    el.renditions.hidden = true;
    el.progress.hidden = true;
    el.chosenName.textContent = `${file.name || 'Pasted image'} · ${formatBytes(file.size)}`;
    el.upload.disabled = false;
    // The browser applies EXIF orientation (image-orientation: from-image), so the natural
    // size is the upright image's, the one crop boxes are given in.
    el.preview.src = state.objectUrl;
  }

  function formatBytes(bytes) {
    if (bytes < 1024) return `${bytes} bytes`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
    return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  }

  el.preview.addEventListener('load', () => {
    if (el.preview.src !== state.objectUrl) return;
    state.image = { w: el.preview.naturalWidth, h: el.preview.naturalHeight };
    const side = Math.min(state.image.w, state.image.h);
    // The box starts where the server would frame the photo itself: the centred square.
    state.crop = {
      x: Math.floor((state.image.w - side) / 2),
      y: Math.floor((state.image.h - side) / 2),
      w: side,
    };
    state.touched = false;
    el.stage.hidden = false;
    el.cropHelp.hidden = false;
    el.noPreview.hidden = true;
    renderCrop();
  });

  el.preview.addEventListener('error', () => {
    if (!state.objectUrl || el.preview.src !== state.objectUrl) return;
    state.image = null;
    state.crop = null;
    el.stage.hidden = true;
    el.cropHelp.hidden = true;
    el.noPreview.hidden = false;
  });

  el.file.addEventListener('change', () => choose(el.file.files && el.file.files[0]));

  function firstFile(transfer) {
    if (!transfer) return null;
    const files = Array.from(transfer.files || []);
    return files.find((file) => file.type.startsWith('image/')) || files[0] || null;
  }

  // Dropping a file anywhere must never navigate away from the page.
  window.addEventListener('dragover', (event) => event.preventDefault());
  window.addEventListener('drop', (event) => event.preventDefault());
  el.dropzone.addEventListener('dragenter', () => el.dropzone.classList.add('over'));
  el.dropzone.addEventListener('dragleave', () => el.dropzone.classList.remove('over'));
  el.editor.addEventListener('drop', (event) => {
    event.preventDefault();
    el.dropzone.classList.remove('over');
    choose(firstFile(event.dataTransfer));
  });

  document.addEventListener('paste', (event) => {
    if (el.editor.hidden) return;
    const file = firstFile(event.clipboardData);
    if (file) {
      event.preventDefault();
      choose(file);
    }
  });

  el.cancel.addEventListener('click', () => {
    discardChoice();
    clearMessages();
  });

  // ---- the crop box --------------------------------------------------------------------------

  const clamp = (value, low, high) => Math.min(Math.max(value, low), high);

  function minCrop() {
    return Math.min(MIN_CROP, state.image.w, state.image.h);
  }

  // Keeps the box square, whole pixels and inside the image.
  function fit(box) {
    const { w: width, h: height } = state.image;
    const w = Math.round(clamp(box.w, minCrop(), Math.min(width, height)));
    return {
      x: Math.round(clamp(box.x, 0, width - w)),
      y: Math.round(clamp(box.y, 0, height - w)),
      w,
    };
  }

  function setCrop(box) {
    state.crop = fit(box);
    state.touched = true;
    renderCrop();
  }

  function scale() {
    return el.preview.clientWidth / state.image.w;
  }

  function renderCrop() {
    if (!state.image || !state.crop) return;
    const s = scale();
    const { x, y, w } = state.crop;
    el.crop.style.left = `${x * s}px`;
    el.crop.style.top = `${y * s}px`;
    el.crop.style.width = `${w * s}px`;
    el.crop.style.height = `${w * s}px`;
    const where = `${w} × ${w} pixels from the left ${x}, top ${y} of ${state.image.w} × ${state.image.h}`;
    el.crop.setAttribute('aria-label', `Crop box: ${where}`);
    el.cropValues.textContent = state.touched
      ? `Crop: ${where}.`
      : 'No crop chosen: portrait will centre the photo.';
  }

  new ResizeObserver(renderCrop).observe(el.preview);

  el.crop.addEventListener('keydown', (event) => {
    if (!state.crop) return;
    const side = Math.min(state.image.w, state.image.h);
    const step = Math.max(1, Math.round(side / (event.shiftKey ? 10 : 100)));
    const grow = Math.max(2, Math.round(side / 20));
    const { x, y, w } = state.crop;
    const moves = {
      ArrowLeft: { x: x - step, y, w },
      ArrowRight: { x: x + step, y, w },
      ArrowUp: { x, y: y - step, w },
      ArrowDown: { x, y: y + step, w },
      // Resizing keeps the centre where it is (as far as the image allows).
      '+': { x: x - grow / 2, y: y - grow / 2, w: w + grow },
      '=': { x: x - grow / 2, y: y - grow / 2, w: w + grow },
      '-': { x: x + grow / 2, y: y + grow / 2, w: w - grow },
      _: { x: x + grow / 2, y: y + grow / 2, w: w - grow },
    };
    const box = moves[event.key];
    if (!box) return;
    event.preventDefault();
    setCrop(box);
  });

  el.crop.addEventListener('pointerdown', (event) => {
    if (event.button !== 0 || !state.crop) return;
    event.preventDefault();
    el.crop.focus();
    el.crop.setPointerCapture(event.pointerId);
    state.drag = {
      pointer: event.pointerId,
      corner: event.target.dataset ? event.target.dataset.corner || null : null,
      startX: event.clientX,
      startY: event.clientY,
      start: { ...state.crop },
      scale: scale(),
    };
  });

  el.crop.addEventListener('pointermove', (event) => {
    const drag = state.drag;
    if (!drag || event.pointerId !== drag.pointer) return;
    const dx = (event.clientX - drag.startX) / drag.scale;
    const dy = (event.clientY - drag.startY) / drag.scale;
    const { x, y, w } = drag.start;
    if (!drag.corner) {
      setCrop({ x: x + dx, y: y + dy, w });
      return;
    }
    setCrop(resizeFromCorner(drag.corner, drag.start, dx, dy));
  });

  // The corner opposite the dragged one stays put; the side follows the pointer's diagonal
  // movement and stops at the image's edge.
  function resizeFromCorner(corner, start, dx, dy) {
    const { x, y, w } = start;
    const { w: width, h: height } = state.image;
    const right = corner.endsWith('e');
    const down = corner.startsWith('s');
    const growth = ((right ? dx : -dx) + (down ? dy : -dy)) / 2;
    const anchorX = right ? x : x + w;
    const anchorY = down ? y : y + w;
    const room = Math.min(right ? width - anchorX : anchorX, down ? height - anchorY : anchorY);
    const side = Math.round(clamp(w + growth, minCrop(), room));
    return {
      x: right ? anchorX : anchorX - side,
      y: down ? anchorY : anchorY - side,
      w: side,
    };
  }

  function endDrag(event) {
    if (state.drag && event.pointerId === state.drag.pointer) state.drag = null;
  }
  el.crop.addEventListener('pointerup', endDrag);
  el.crop.addEventListener('pointercancel', endDrag);

  // ---- uploading -----------------------------------------------------------------------------

  // XMLHttpRequest rather than fetch: only it reports upload progress.
  function upload() {
    if (!state.file || state.busy || !state.subject) return;
    clearMessages();
    const user = state.subject;
    const form = new FormData();
    form.append('user[profile_photo_attachment_file]', state.file, state.file.name || 'photo');
    let path = `/api/v1/users/${encodeURIComponent(user.id)}/profile_photo`;
    if (state.touched && state.crop && state.image) {
      const { x, y, w } = state.crop;
      path += `?crop_x=${x}&crop_y=${y}&crop_w=${w}`;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('Authorization', `Bearer ${state.token}`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable && event.total > 0) {
        el.progress.value = Math.round((event.loaded / event.total) * 100);
      }
    });
    xhr.addEventListener('load', () => {
      setBusy(false);
      const body = parseJson(xhr.responseText);
      if (xhr.status < 200 || xhr.status >= 300) {
        el.progress.hidden = true;
        showError(messageOf(xhr.status, body), el.uploadActions);
        return;
      }
      el.progress.value = 100;
      const [updated] = recordsOf(body);
      if (!updated) {
        showError('The photo was uploaded, but the server did not send it back.');
        return;
      }
      state.subject = updated;
      discardChoice();
      showPhoto(updated);
      showRenditions(updated);
      showStatus(`Photo uploaded for ${updated.full_name}.`, el.dropzone);
      if (state.admin) loadPeople(state.page);
    });
    xhr.addEventListener('error', () => {
      setBusy(false);
      el.progress.hidden = true;
      showError(
        'The upload did not reach the server. Check the connection and try again.',
        el.uploadActions,
      );
    });
    el.progress.value = 0;
    el.progress.hidden = false;
    setBusy(true);
    xhr.send(form);
  }

  function setBusy(busy) {
    state.busy = busy;
    el.upload.disabled = busy || !state.file;
    el.del.disabled = busy;
    el.file.disabled = busy;
  }

  el.upload.addEventListener('click', upload);

  function showRenditions(user) {
    const list = el.renditions.querySelector('ul');
    list.replaceChildren(
      ...SIZES.map((size) => {
        const item = document.createElement('li');
        item.className = `size-${size}`;
        const figure = document.createElement('figure');
        const image = document.createElement('img');
        image.src = sized(user.photo_path, size);
        image.width = size;
        image.height = size;
        image.alt = `${user.full_name}'s photo at ${size} × ${size} pixels`;
        image.dataset.size = String(size);
        const caption = document.createElement('figcaption');
        caption.textContent = `${size} × ${size}`;
        figure.append(image, caption);
        item.append(figure);
        return item;
      }),
    );
    el.renditions.hidden = false;
  }

  // ---- reset ---------------------------------------------------------------------------------

  el.del.addEventListener('click', () => {
    if (!state.subject || state.busy) return;
    clearMessages();
    el.confirmText.textContent = `Reset ${state.subject.full_name}'s photo to the default picture?`;
    el.confirm.returnValue = '';
    el.confirm.showModal();
  });

  el.confirm.addEventListener('close', async () => {
    if (el.confirm.returnValue !== 'reset' || !state.subject) return;
    setBusy(true);
    try {
      await api('DELETE', `/api/v1/users/${encodeURIComponent(state.subject.id)}/profile_photo`);
      const user = await refreshSubject();
      el.renditions.hidden = true;
      el.progress.hidden = true;
      showStatus(`${user ? `${user.full_name}'s` : 'The'} photo is the default picture again.`, el.dangerZone);
      if (state.admin) loadPeople(state.page);
    } catch (failure) {
      showError(failure.message, el.dangerZone);
    } finally {
      setBusy(false);
    }
    el.del.focus();
  });

  // ---- the account's people (administrators) -------------------------------------------------

  async function loadPeople(page) {
    let body;
    try {
      body = await api(
        'GET',
        `/api/v1/users?page=${page}&per_page=${PEOPLE_PER_PAGE}&order=alphabetical:asc`,
      );
    } catch (failure) {
      showError(failure.message);
      return;
    }
    const meta = body.meta || {};
    state.page = meta.page_number || page;
    state.pageCount = Math.max(1, meta.page_count || 1);
    el.peopleList.replaceChildren(...recordsOf(body).map(personItem));
    el.peoplePage.textContent = `Page ${state.page} of ${state.pageCount}`;
    el.peoplePrev.disabled = state.page <= 1;
    el.peopleNext.disabled = state.page >= state.pageCount;
    el.people.hidden = false;
    markCurrentPerson();
  }

  function personItem(user) {
    const item = document.createElement('li');
    item.dataset.userId = String(user.id);
    const avatar = document.createElement('img');
    avatar.src = sized(user.photo_path, 96);
    avatar.width = 48;
    avatar.height = 48;
    avatar.alt = `Photo of ${user.full_name}`;
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = user.full_name;
    const change = document.createElement('button');
    change.type = 'button';
    change.className = 'link';
    change.textContent = 'Change photo';
    change.setAttribute('aria-label', `Change the photo of ${user.full_name}`);
    change.addEventListener('click', () => {
      clearMessages();
      showSubject(user);
      el.editor.scrollIntoView({ block: 'start' });
      el.subjectName.focus();
    });
    item.append(avatar, name, change);
    return item;
  }

  function markCurrentPerson() {
    const current = state.subject ? String(state.subject.id) : '';
    for (const item of el.peopleList.children) {
      item.classList.toggle('current', item.dataset.userId === current);
    }
  }

  el.peoplePrev.addEventListener('click', () => loadPeople(Math.max(1, state.page - 1)));
  el.peopleNext.addEventListener('click', () => loadPeople(Math.min(state.pageCount, state.page + 1)));
  el.subjectName.tabIndex = -1;

  el.backToMe.addEventListener('click', () => {
    clearMessages();
    if (state.me) showSubject(state.me);
  });

  // ---- signing in and out --------------------------------------------------------------------

  el.signInForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = el.token.value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    clearMessages();
    start();
  });

  el.signOut.addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    state.me = null;
    state.subject = null;
    discardChoice();
    clearMessages();
    history.replaceState(null, '', location.pathname);
    showSignIn();
  });

  // A sign-in link opened in a tab that shows the page already only changes the fragment.
  window.addEventListener('hashchange', () => {
    if (new URLSearchParams(location.hash.slice(1)).has('token')) {
      clearMessages();
      start();
    }
  });

  start();
})();
