module github.com/emberdl/ember

go 1.26
