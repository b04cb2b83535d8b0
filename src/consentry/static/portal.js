// Developer portal: copy buttons, and on the new-app form the chosen service's domains with a live
// preview of the resulting scope strings. Pages work without it (same-origin; CSP script-src 'self').
"use strict";

function copyText(button) {
  const target = document.getElementById(button.dataset.copyTarget);
  if (!target) return;
  const text = target.textContent.trim();
  const done = () => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => selectText(target));
  } else {
    selectText(target);
  }
}

function selectText(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

function levelName(value) {
  return value === "manage" ? "Manage" : "Read";
}

function updateScopes(fieldset) {
  const output = fieldset.querySelector("[data-scope-preview]");
  if (!output) return;
  const scopes = [];
  fieldset.querySelectorAll("input[type=radio]:checked").forEach((radio) => {
    if (radio.value !== "none") {
      scopes.push(`${fieldset.dataset.scopePrefix}_${radio.dataset.domain}_${levelName(radio.value)}`);
    }
  });
  output.textContent = scopes.length ? scopes.join(" ") : "—";
}

function showChosenService(form) {
  const choices = form.querySelectorAll("[data-service-choice]");
  if (!choices.length) return;
  const chosen = form.querySelector("[data-service-choice]:checked");
  form.querySelectorAll("[data-service-domains]").forEach((fieldset) => {
    fieldset.hidden = !chosen || fieldset.dataset.serviceDomains !== chosen.value;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("button[data-copy-target]").forEach((button) => {
    button.addEventListener("click", () => copyText(button));
  });
  const form = document.getElementById("app-form");
  if (!form) return;
  form.querySelectorAll("[data-service-domains]").forEach((fieldset) => {
    updateScopes(fieldset);
    fieldset.addEventListener("change", () => updateScopes(fieldset));
  });
  showChosenService(form);
  form.addEventListener("change", (event) => {
    if (event.target.matches("[data-service-choice]")) showChosenService(form);
  });
});
