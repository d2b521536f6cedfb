// Switching language keeps what the visitor typed. The switcher's links load this page again in the
// other language, which would empty a form not yet sent: on a click, what each form on the page holds
// is kept in sessionStorage (this tab only), and put back into the same fields once the page has loaded
// in the new language. Passwords, files, hidden fields and CSRF tokens are never kept. Without
// JavaScript the links still keep the page's query string (civicapps.i18n.language_links).
(function () {
  'use strict'

  var KEY = 'civicapps.language-switch.form'
  var SKIPPED = ['password', 'file', 'hidden', 'submit', 'button', 'reset', 'image']

  function kept (field) {
    return field.name && field.name !== 'csrf_token' && SKIPPED.indexOf(field.type) === -1 && !field.disabled
  }

  function save () {
    var forms = Array.prototype.map.call(document.forms, function (form) {
      var fields = []
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!kept(field)) return
        if (field.type === 'checkbox' || field.type === 'radio') {
          fields.push({ name: field.name, value: field.value, checked: field.checked })
        } else if (field.type === 'select-multiple') {
          fields.push({ name: field.name, values: Array.prototype.filter.call(field.options, function (option) {
            return option.selected
          }).map(function (option) { return option.value }) })
        } else {
          fields.push({ name: field.name, value: field.value })
        }
      })
      return fields
    })
    try {
      window.sessionStorage.setItem(KEY, JSON.stringify({ path: window.location.pathname, forms: forms }))
    } catch (error) {} // storage full or switched off: the switch still happens, the form starts empty
  }

  function restore () {
    var saved
    try {
      saved = JSON.parse(window.sessionStorage.getItem(KEY) || 'null')
      window.sessionStorage.removeItem(KEY)
    } catch (error) {
      return
    }
    if (!saved || saved.path !== window.location.pathname) return
    saved.forms.forEach(function (fields, index) {
      var form = document.forms[index]
      if (!form) return
      fields.forEach(function (wanted) {
        var named = form.elements.namedItem(wanted.name)
        if (!named) return
        var fieldsNamed = named.length !== undefined && !named.options ? named : [named]
        Array.prototype.forEach.call(fieldsNamed, function (field) {
          if (!kept(field)) return
          if (field.type === 'checkbox' || field.type === 'radio') {
            if (field.value === wanted.value) field.checked = wanted.checked
          } else if (field.type === 'select-multiple') {
            Array.prototype.forEach.call(field.options, function (option) {
              option.selected = wanted.values.indexOf(option.value) !== -1
            })
          } else {
            field.value = wanted.value
          }
        })
      })
    })
  }

  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('[data-civic-language-switch] a[hreflang]')
    if (link) save()
  })
  restore()
})()
