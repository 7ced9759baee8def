// Shows why the last sign-in failed and keeps the page the user was sent from.
const params = new URLSearchParams(location.search);
const messages = { invalid: 'That token is not right.', rate_limited: 'Too many attempts. Wait a minute.' };
const error = params.get('error');
if (error && messages[error]) {
  const box = document.getElementById('login-error');
  box.textContent = messages[error];
  box.hidden = false;
}
const next = params.get('next');
if (next && /^\/admin([/?#]|$)/.test(next) && /^[\x21-\x7e]+$/.test(next)) {
  document.getElementById('next').value = next;
}
