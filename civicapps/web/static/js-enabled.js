// Runs first thing in <body> (a file, not inline, so the 'self' content security policy stays):
// GOV.UK Frontend's styles for scripted components apply only once the body says scripts run.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
