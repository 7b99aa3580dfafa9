// Builds elements with text children only: strings become text nodes, so
// nothing from the server can ever be parsed as HTML.
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v != null && v !== false) node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children) {
    if (child == null || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

export const $ = (id) => document.getElementById(id);

/** Sets text only when it changed, so live regions are not re-announced. */
export function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}

// aria-disabled (not disabled) keeps keyboard focus on a button while it waits.
export function setDisabled(button, disabled) {
  if (disabled) button.setAttribute('aria-disabled', 'true');
  else button.removeAttribute('aria-disabled');
}

export function setBusy(button, busy) {
  if (busy) {
    button.setAttribute('aria-busy', 'true');
    button.dataset.pending = 'true';
  } else {
    button.removeAttribute('aria-busy');
    delete button.dataset.pending;
  }
}

export function isDisabled(button) {
  return button.getAttribute('aria-disabled') === 'true';
}
