// A receiver of Work Sessions webhooks: verifies each delivery's signature, handles each event once.
//   dotnet run --project samples/WebhookReceiver -- --urls http://127.0.0.1:5090 --Webhook:Secret whsec_…
// and register http://127.0.0.1:5090/webhooks/work-sessions on the console's Webhooks page (Webhooks:AllowedHosts must
// list 127.0.0.1 outside Development).
using WorkSessions.Samples.WebhookReceiver;

var app = ReceiverApp.Build(args);
await app.RunAsync();
