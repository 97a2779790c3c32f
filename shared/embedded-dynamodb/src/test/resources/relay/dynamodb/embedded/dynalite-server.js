// Starts dynalite in memory on 127.0.0.1 at a free port for the embedded DynamoDB's comparison tests.
// Prints "PORT <n>" once listening; exits when its standard input closes (the test JVM has gone).
const dynalite = require('dynalite')

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port))
process.stdin.on('end', () => process.exit(0))
process.stdin.on('error', () => process.exit(0))
process.stdin.resume()
