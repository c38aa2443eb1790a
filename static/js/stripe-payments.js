/* Stripe's Payment Element: pays an order (PaymentIntent) or saves a card (SetupIntent).
   The server made the intent and put its client secret on the form; card details go from the
   Element to Stripe and never through Tokshop. Loaded with `defer`, after Stripe.js. */
(function () {
  "use strict";

  const form = document.querySelector("[data-stripe-form]");
  if (!form || typeof window.Stripe !== "function") return;
  const button = form.querySelector("[data-stripe-submit]");
  const errorBox = form.querySelector("[data-stripe-error]");
  const stripe = window.Stripe(form.getAttribute("data-publishable-key"));
  const elements = stripe.elements({ clientSecret: form.getAttribute("data-client-secret") });
  const payment = elements.create("payment");
  payment.mount(form.querySelector("[data-stripe-element]"));
  payment.on("ready", function () {
    button.disabled = false;
  });

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    button.disabled = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    errorBox.hidden = true;
    const options = { elements: elements, confirmParams: { return_url: form.getAttribute("data-return-url") } };
    const confirm = form.getAttribute("data-mode") === "setup" ? stripe.confirmSetup(options) : stripe.confirmPayment(options);
    // On success Stripe.js leaves for return_url; it only comes back here with an error to show.
    confirm.then(function (result) {
      if (result.error) showError(result.error.message || "The payment did not go through.");
    });
  });
})();
