'use strict'
// The signaling server of the original design that duet replaces, for bench/compare.sh:
// the Node.js express + serve-index + socket.io 2.x server of the seed document
// (shared/seed/000_c32b858a2eae889d.txt, "1、服务端信令服务器代码"), its handlers as written.
// Only these changes, all for benchmarking:
//   PORT        port to listen on (default 9980, the seed's; 0 picks a free one)
//   HOST        address to listen on (default 127.0.0.1, the seed's)
//   STATIC_DIR  folder to serve (default ./public, the seed's)
//   QUIET=1     silences console.log: the seed logs every connection, join and message
// and the bound address is printed to stderr once listening, for compare.sh to wait on.
// Dependencies are pinned in package.json / package-lock.json; compare.sh installs them
// with `npm ci` in a temporary folder.

var http = require('http');
var serveIndex = require('serve-index');
var express = require('express');
var socketIo = require('socket.io');

if (process.env.QUIET === '1') {
  console.log = function () {};
}
var PORT = process.env.PORT === undefined ? 9980 : Number(process.env.PORT);
var HOST = process.env.HOST || '127.0.0.1';
var STATIC_DIR = process.env.STATIC_DIR || './public';

var USERSCOUNT = 2; //房间人数上限

var app = express();
//顺序不能换
app.use(serveIndex(STATIC_DIR));
app.use(express.static(STATIC_DIR));

var http_server = http.createServer(app);
http_server.listen(PORT, HOST);
http_server.on('listening', () => {
  var address = http_server.address();
  console.error('listening on ' + address.address + ':' + address.port);
});

//绑定socket.io到http服务
var io = socketIo.listen(http_server)

io.sockets.on('connection', (socket)=> {
  console.log("有人发起了链接请求111");

  socket.on('message', (room, data)=> {
    console.log("message" + room + data);
		socket.to(room).emit('message',room, data);
  });

  socket.on('join', (room)=> {
		socket.join(room);
		var myRoom = io.sockets.adapter.rooms[room];
		var users = Object.keys(myRoom.sockets).length;
    console.log("join" + room);

    if (users <= USERSCOUNT) { //房间人数未超过
      socket.emit('joined', room, socket.id);	 //给自己发
      if (users > 1) { //房间里面已经有其他人了
        socket.to(room).emit('otherjoin', room); //发给除自己之外，房间内的所有人
      }
    } else { //超过2个人了
      socket.emit('full', room, socket.id); //给自己发
      socket.leave(room);
    }
  });

  socket.on('leave', (room)=> {
		var myRoom = io.sockets.adapter.rooms[room];
		var users = Object.keys(myRoom.sockets).length;
		socket.to(room).emit('bye', room, socket.id)//房间内所有人,除自己外
	 	socket.emit('leaved', room, socket.id);	// 给自己发
    socket.leave(room);
	});
});

console.log("webrtc服务启动成功");
