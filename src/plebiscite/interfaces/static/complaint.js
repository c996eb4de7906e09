// The receipt complaint page: a chosen receipt file is read into the text field, so the
// form sends plain text (the page works without this script: paste the receipt instead).
"use strict";
for (const input of document.querySelectorAll("input[type=file][data-fills]")) {
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    const target = document.getElementById(input.dataset.fills);
    if (file && target) {
      file.text().then((text) => {
        target.value = text;
      });
    }
  });
}
