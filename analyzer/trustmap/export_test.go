package trustmap

var Mentions = mentions
