// Test helper: validates a SARIF file against the official SARIF 2.1.0 JSON schema (draft-04), as shipped
// by @microsoft/jest-sarif. Usage: node validate-sarif.js FILE. Prints "valid" or the errors; exit 0/1.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv-draft-04');
const addFormats = require('ajv-formats');

const schemaPath = path.join(__dirname, 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
// unicodeRegExp: false because the official schema's language pattern is not a valid /u regex.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);
const doc = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
if (validate(doc)) {
  console.log('valid');
  process.exit(0);
}
console.log(JSON.stringify(validate.errors, null, 2));
process.exit(1);
