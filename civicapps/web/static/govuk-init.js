// Starts GOV.UK Frontend's components on every page (service navigation's menu button, error
// summary focus, notification banner focus...). Loaded as a module, so old browsers that cannot run
// it keep the plain HTML, which works without JavaScript.
import { initAll } from './govuk/govuk-frontend.min.js'

initAll()
